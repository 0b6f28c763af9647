/** Where a node stands in the ring layout of a ballot, and who comes next. */
import type { NodeId } from './ids.ts';

export function layoutIndex(layout: readonly NodeId[], node: NodeId): number {
  return layout.indexOf(node);
}

/** True when `layout` is non-empty, has no repeats, and uses only nodes of `allowed`. */
export function isValidLayout(layout: readonly NodeId[], allowed: ReadonlySet<NodeId>, quorum: number): boolean {
  if (layout.length < quorum || layout.length > allowed.size) return false;
  for (let i = 0; i < layout.length; i++) {
    const n = layout[i] as NodeId;
    if (!allowed.has(n)) return false;
    for (let j = 0; j < i; j++) if (layout[j] === n) return false;
  }
  return true;
}
