import { historyState, writeNightInput } from './cumulative-night.js';
const settled = Number(process.argv[2] ?? 200000);
const shape = { settled, fresh: 0 };
const h = await historyState(shape, '/work/prof/cache', (l) => process.stderr.write(l + '\n'));
console.log(h);
await writeNightInput(`/work/prof/night-${settled}.csv`, shape);
