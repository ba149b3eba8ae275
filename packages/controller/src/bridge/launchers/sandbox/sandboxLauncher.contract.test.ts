import { launcherContract } from '../../launcher.contract.js';
import { sandboxHarness } from '../../../test-support/launchers/sandboxHarness.js';

launcherContract('SandboxLauncher', sandboxHarness());
