// Wallets: EIP-6963 discovery (every injected wallet announces itself), with the legacy EIP-1193
// `window.ethereum` as a fallback; connection, chain switching and live account/chain changes.
import type { EIP1193Provider } from "viem";

export interface WalletOption {
  uuid: string;
  name: string;
  icon?: string;
  rdns?: string;
  provider: EIP1193Provider;
}

interface AnnounceEvent extends Event {
  detail: { info: { uuid: string; name: string; icon: string; rdns: string }; provider: EIP1193Provider };
}

declare global {
  interface Window {
    ethereum?: EIP1193Provider;
  }
}

/** Calls `onChange` with every wallet found so far: each EIP-6963 announcement, then `window.ethereum` if no
 *  announced wallet is that same provider. Announcements that come later (a wallet loading late) are added. */
export function discoverWallets(onChange: (wallets: WalletOption[]) => void): void {
  const wallets: WalletOption[] = [];
  const publish = () => onChange([...wallets]);
  window.addEventListener("eip6963:announceProvider", (event) => {
    const { info, provider } = (event as AnnounceEvent).detail;
    if (wallets.some((w) => w.uuid === info.uuid)) return;
    const legacy = wallets.findIndex((w) => w.uuid === "window.ethereum" && w.provider === provider);
    if (legacy >= 0) wallets.splice(legacy, 1);
    wallets.push({ uuid: info.uuid, name: info.name, icon: info.icon, rdns: info.rdns, provider });
    publish();
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  // Wallets answer synchronously; give late ones a moment before falling back to window.ethereum.
  setTimeout(() => {
    const injected = window.ethereum;
    if (injected && !wallets.some((w) => w.provider === injected)) {
      wallets.push({ uuid: "window.ethereum", name: "Browser wallet", provider: injected });
    }
    publish();
  }, 150);
}

export interface Connection {
  wallet: WalletOption;
  account: `0x${string}` | null;
  chainId: number | null;
  /** Stops listening to the wallet's events (on disconnect). */
  unsubscribe: () => void;
}

export interface WalletEvents {
  onAccounts: (account: `0x${string}` | null) => void;
  onChain: (chainId: number) => void;
}

/** Asks the wallet for an account and subscribes to its account and chain changes. */
export async function connect(wallet: WalletOption, events: WalletEvents): Promise<Connection> {
  const accounts = (await wallet.provider.request({ method: "eth_requestAccounts" })) as `0x${string}`[];
  const chainId = Number(await wallet.provider.request({ method: "eth_chainId" }));
  const onAccounts = (list: readonly `0x${string}`[]) => events.onAccounts(list[0] ?? null);
  const onChain = (id: string) => events.onChain(Number(id));
  wallet.provider.on?.("accountsChanged", onAccounts);
  wallet.provider.on?.("chainChanged", onChain);
  const unsubscribe = () => {
    wallet.provider.removeListener?.("accountsChanged", onAccounts);
    wallet.provider.removeListener?.("chainChanged", onChain);
  };
  return { wallet, account: accounts[0] ?? null, chainId, unsubscribe };
}

export interface ChainParams {
  chainId: number;
  name: string;
  rpcUrl?: string;
  explorer?: string;
}

/** Asks the wallet to switch to the vault's chain, adding the chain first when the wallet does not know it. */
export async function switchChain(wallet: WalletOption, chain: ChainParams): Promise<void> {
  const hexId = `0x${chain.chainId.toString(16)}` as const;
  try {
    await wallet.provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: hexId }] });
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code !== 4902 || !chain.rpcUrl) throw err;
    await wallet.provider.request({
      method: "wallet_addEthereumChain",
      params: [
        {
          chainId: hexId,
          chainName: chain.name,
          nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
          rpcUrls: [chain.rpcUrl],
          blockExplorerUrls: chain.explorer ? [chain.explorer] : undefined,
        },
      ],
    });
  }
}
