import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeVectorStoreContract } from '../testing/contract';
import { EmbeddedVectorStore, type EmbeddedOptions } from './embedded-store';

function harness(options?: EmbeddedOptions) {
  return async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-vectors-'));
    const store = await EmbeddedVectorStore.open(dir, options);
    return {
      store,
      prefix: 'vt-contract-',
      teardown: async () => {
        await store.close();
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  };
}

describeVectorStoreContract('embedded', harness());

// Every search takes the int8 scan (the default) or the prescan path, each followed by exact rescoring
// (candidates cover the small dataset, so results stay exact), and every write compacts: the same semantics must
// hold through all of them.
describeVectorStoreContract(
  'embedded, int8 scan path and compaction forced',
  harness({ tuning: { exactBudget: 0 }, compaction: { minLogBytes: 0, logToSegmentRatio: 0 } }),
);
describeVectorStoreContract(
  'embedded, prescan path forced',
  harness({ tuning: { exactBudget: 0, scan: 'prescan' } }),
);
// The float32 rows in a file from the first row (int8 scan, exact rescoring and exact scans read them back).
describeVectorStoreContract(
  'embedded, float32 rows in a file',
  harness({
    tuning: { exactBudget: 0, floatMemoryBytes: 0 },
    compaction: { minLogBytes: 0, logToSegmentRatio: 0 },
  }),
);
