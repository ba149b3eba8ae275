import { launcherContract } from '../../launcher.contract.js';
import { kubernetesHarness } from '../../../test-support/launchers/kubernetesHarness.js';

launcherContract('KubernetesLauncher against a fake API server and kubelet', kubernetesHarness());
