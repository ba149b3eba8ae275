import { launcherContract } from '../../launcher.contract.js';
import { hostHarness } from '../../../test-support/launchers/hostHarness.js';

launcherContract('HostLauncher', hostHarness());
