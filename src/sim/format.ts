/** Short, stable text forms of protocol messages, for scenario scripts and traces. */
import { unreachable } from '../assert.ts';
import { formatBallot, formatValueId } from '../protocol/ids.ts';
import type { AcceptedEntry, Message, Value } from '../protocol/messages.ts';
import { runsIds } from '../protocol/runs.ts';

export function formatValue(v: Value): string {
  switch (v.kind) {
    case 'batch':
      return `[${runsIds(v.runs).map(formatValueId).join(' ')}]`;
    case 'noop':
      return 'noop';
    case 'skip':
      return `skip(${v.slots})`;
    default:
      return unreachable(v);
  }
}

const entry = (e: AcceptedEntry): string => `${e.instance}@${formatBallot(e.ballot)}=${formatValue(e.value)}`;

export function formatMessage(m: Message): string {
  switch (m.type) {
    case 'submit':
      return `submit ${runsIds(m.runs).map(formatValueId).join(' ')}`;
    case 'ack':
      return `ack runs ${m.firsts.map(formatValueId).join(' ')}`;
    case 'phase1a':
      return `phase1a b=${formatBallot(m.ballot)} [${m.instanceFrom},${m.instanceTo})${m.fresh ? ' fresh' : ''}`;
    case 'phase1b':
      return `phase1b b=${formatBallot(m.ballot)} [${m.instanceFrom},${m.instanceTo}) {${m.accepted.map(entry).join(' ')}}`;
    case 'nack':
      return `nack b=${formatBallot(m.ballot)} promised=${formatBallot(m.promised)}`;
    case 'phase2a':
      return `phase2a b=${formatBallot(m.ballot)} i=${m.instance} ring=${m.layout.join(',')} votes=${m.votes} ${formatValue(m.value)}`;
    case 'phase2b':
      return `phase2b b=${formatBallot(m.ballot)} i=${m.instance} votes=${m.votes}`;
    case 'decision':
      return `decision ${m.entries.map((e) => `${e.instance}@${formatBallot(e.ballot)}`).join(' ')}`;
    case 'deliver':
      return `deliver ${m.entries.map(entry).join(' ')}`;
    case 'repair':
      return `repair [${m.instanceFrom},${m.instanceTo})`;
    case 'heartbeat':
      return `heartbeat b=${formatBallot(m.ballot)} decidedUpTo=${m.decidedUpTo}`;
    default:
      return unreachable(m);
  }
}
