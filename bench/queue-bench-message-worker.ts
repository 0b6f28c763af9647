/**
 * A message-passing endpoint thread of the queue benchmark (see queue-bench-messages.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  runMessageConsumer,
  runMessageProducer,
  type ConsumerReportMessage,
  type MessageRunInput,
  type PortLike,
} from './queue-bench-messages.ts';

const input = workerData as MessageRunInput;
const port: PortLike = input.port ?? (parentPort as PortLike);
if (input.role === 'producer') {
  parentPort?.postMessage(await runMessageProducer(port, input));
} else {
  const report: ConsumerReportMessage = { report: await runMessageConsumer(port, input) };
  parentPort?.postMessage(report);
}
input.port?.close();
