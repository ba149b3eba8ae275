import { BridgeLaunchError, type BridgeLauncher } from '../launcher.js';
import { HostLauncher } from './host/hostLauncher.js';
import { kubernetesLauncherOptions, type KubernetesConfig } from './kubernetes/config.js';
import { createKubernetesLauncher } from './kubernetes/kubernetesLauncher.js';
import { OciLauncher } from './oci/ociLauncher.js';
import { SandboxLauncher } from './sandbox/sandboxLauncher.js';
import { explicitAddress, type MediaAddress } from './shared/mediaAddress.js';

export type LauncherKind = 'sandbox' | 'oci' | 'host' | 'kubernetes' | 'none';

/** What the configuration says about bridges (see config/config.ts for each setting's default). */
export interface LauncherSettings {
  launcher: LauncherKind;
  /** Parent of the bridges' directories. */
  dir: string;
  /** RabbitMQ URL: when set, every command reaches the bridges through it. */
  brokerUrl: string | undefined;
  oci: { socketPath: string; image: string };
  /** `host`: the address browsers send media to; required for that launcher. */
  hostAddress: string | undefined;
  /** PLENUM_MEDIA_PUBLIC_ADDRESS as written (`kubernetes` reads an explicit address from it). */
  publicAddressSetting: string;
  kubernetes: KubernetesConfig;
  /** The resolved media address (sandbox, oci, host); undefined: bridges advertise their own. */
  publicAddress: MediaAddress | undefined;
  warn: (message: string) => void;
  /** Problems of the Kubernetes watch that nobody awaits. */
  onKubernetesError: (error: unknown) => void;
}

/** The launcher the configuration names; `none` runs signaling without media. One line per launcher. */
export function createLauncher(settings: LauncherSettings): BridgeLauncher {
  const { dir: baseDir, brokerUrl, publicAddress, warn } = settings;
  switch (settings.launcher) {
    case 'sandbox':
      return new SandboxLauncher({ baseDir, brokerUrl, publicAddress, warn });
    case 'oci':
      return new OciLauncher({ socketPath: settings.oci.socketPath, image: settings.oci.image, baseDir, brokerUrl, publicAddress, warn });
    case 'host':
      if (!settings.hostAddress) throw new BridgeLaunchError('misconfigured', 'PLENUM_BRIDGE_HOST_ADDRESS is required with PLENUM_BRIDGE_LAUNCHER=host');
      // Advertised instead of the host's address when a 1:1 NAT in front forwards it.
      return new HostLauncher({ baseDir, mediaAddress: settings.hostAddress, ...(publicAddress ? { publicAddress: publicAddress.advertised } : {}), brokerUrl, warn });
    case 'kubernetes': {
      const options = kubernetesLauncherOptions(settings.kubernetes, brokerUrl);
      const general = explicitAddress(settings.publicAddressSetting);
      return createKubernetesLauncher({
        ...options,
        // PLENUM_BRIDGE_K8S_PUBLIC_ADDRESS wins; else the general setting, when it names an address.
        ...(options.publicAddress === undefined && general !== undefined ? { publicAddress: general } : {}),
        onError: settings.onKubernetesError,
      });
    }
    case 'none':
      return {
        kind: 'none',
        launch: () => Promise.reject(new BridgeLaunchError('disabled', 'media is switched off (PLENUM_BRIDGE_LAUNCHER=none)')),
        sweep: () => Promise.resolve(),
        close: () => Promise.resolve(),
      };
  }
}
