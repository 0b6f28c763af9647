/** One line per cluster event, for a replayed seed's printed trace. */
import { unreachable } from '../assert.ts';
import { formatValueId } from '../protocol/ids.ts';
import type { ClusterEvent } from './cluster.ts';
import { formatMessage } from './format.ts';

export function formatEvent(e: ClusterEvent): string {
  switch (e.kind) {
    case 'recv':
      return `t=${e.at} ${e.from}->${e.to} ${formatMessage(e.msg)}`;
    case 'drop':
      return `t=${e.at} DROP ${e.from}->${e.to} ${formatMessage(e.msg)}`;
    case 'delivered':
      return `t=${e.at} DELIVER learner ${e.learner} i=${e.d.instance} [${e.d.values.map((v) => formatValueId(v.id)).join(' ')}]${e.d.slots === 1 ? '' : ` slots=${e.d.slots}`}`;
    case 'acked':
      return `t=${e.at} ACKED proposer ${e.proposer} ${formatValueId(e.id)}`;
    case 'crash':
      return `t=${e.at} CRASH ${e.node}`;
    case 'restart':
      return `t=${e.at} RESTART ${e.node}`;
    default:
      return unreachable(e);
  }
}
