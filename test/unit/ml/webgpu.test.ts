import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingVulkanDriver } from '../../../src/ml/webgpu';

describe('webgpu: the Vulkan driver pre-check (Dawn is not woken where it can only fail)', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'seisgrow-vk-')); });
  afterEach(() => { rmSync(root, { recursive: true, force: true }); });

  /** An environment whose loader folders are all under `root` (except /etc/vulkan, which the loader always reads). */
  const env = (): NodeJS.ProcessEnv => ({
    XDG_CONFIG_HOME: join(root, 'config-home'), XDG_CONFIG_DIRS: join(root, 'config-dirs'),
    XDG_DATA_HOME: join(root, 'data-home'), XDG_DATA_DIRS: join(root, 'data-a') + ':' + join(root, 'data-b'),
  });
  const etcHasDriver = existsSync('/etc/vulkan/icd.d') && readdirSync('/etc/vulkan/icd.d').some((f) => f.endsWith('.json'));

  it('names the missing driver when no loader folder holds an ICD file', function () {
    if (etcHasDriver) this.skip();
    mkdirSync(join(root, 'data-b', 'vulkan', 'icd.d'), { recursive: true });
    writeFileSync(join(root, 'data-b', 'vulkan', 'icd.d', 'README'), 'not a driver');
    assert.match(missingVulkanDriver(env()) ?? '', /no Vulkan driver is installed .*Dawn has no adapter/);
  });

  it('finds an ICD file in any of the loader folders', () => {
    for (const folder of ['config-home', 'config-dirs', 'data-home', 'data-b']) {
      const dir = join(root, folder, 'vulkan', 'icd.d');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'lvp_icd.json'), '{}');
      assert.equal(missingVulkanDriver(env()), undefined, folder);
      rmSync(join(root, folder), { recursive: true });
    }
  });

  it('leaves the decision to Dawn, without throwing, when a loader folder cannot be read', () => {
    mkdirSync(join(root, 'data-b', 'vulkan'), { recursive: true });
    writeFileSync(join(root, 'data-b', 'vulkan', 'icd.d'), 'a file where the loader expects a folder');
    assert.equal(missingVulkanDriver(env()), undefined);
  });

  it('leaves the decision to Dawn when a VK_* variable steers the loader', () => {
    for (const name of ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES']) {
      assert.equal(missingVulkanDriver({ ...env(), [name]: join(root, 'none.json') }), undefined, name);
    }
  });
});
