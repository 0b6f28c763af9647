{
  "targets": [
    {
      "target_name": "ringcast_native",
      "sources": ["crc32.c", "gaps.c", "copy.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"]
    }
  ]
}
