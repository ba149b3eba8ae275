import { launcherContract } from '../../launcher.contract.js';
import { ociHarness } from '../../../test-support/launchers/ociHarness.js';

launcherContract('OciLauncher on podman', ociHarness('podman'));
