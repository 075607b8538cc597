// Which vault, on which chain, read through which node: from the URL, e.g.
//   ?chain=31337                      deployments/31337.json next to the page (what `make app` serves)
//   ?chain=11155111&rpc=https://...   the same with an RPC URL of your own
//   ?vault=0x...&chain=11155111       any vault by address (its hedger, tokens and feed are read from it)
// Reads go to `rpc` (default: 127.0.0.1:8545 for a local chain, the chain's public RPC for known networks,
// else the connected wallet).
import { type Address, type Chain, defineChain, getAddress, isAddress } from "viem";
import { arbitrum, arbitrumSepolia, base, baseSepolia, mainnet, optimism, sepolia } from "viem/chains";

export interface Deployment {
  chainId: number;
  vault: Address;
  hedger?: Address;
  block?: number;
  network?: string | null;
}

export interface Config {
  deployment: Deployment;
  chain: Chain;
  rpcUrl?: string;
  source: string;
}

export class ConfigError extends Error {}

const KNOWN: Chain[] = [mainnet, sepolia, arbitrum, arbitrumSepolia, base, baseSepolia, optimism];
const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

export function chainFor(chainId: number, rpcUrl?: string): Chain {
  const known = KNOWN.find((c) => c.id === chainId);
  if (known) return rpcUrl ? { ...known, rpcUrls: { default: { http: [rpcUrl] } } } : known;
  return defineChain({
    id: chainId,
    name: LOCAL_CHAIN_IDS.has(chainId) ? `Local chain ${chainId}` : `Chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: rpcUrl ? [rpcUrl] : [] } },
  });
}

function defaultRpc(chainId: number): string | undefined {
  if (LOCAL_CHAIN_IDS.has(chainId)) return "http://127.0.0.1:8545";
  return KNOWN.find((c) => c.id === chainId)?.rpcUrls.default.http[0];
}

async function fetchDeployment(url: string): Promise<Deployment> {
  let response: Response;
  try {
    response = await fetch(url, { cache: "no-store" });
  } catch {
    throw new ConfigError(`cannot fetch ${url}`);
  }
  if (!response.ok) throw new ConfigError(`${url}: ${response.status} ${(await response.text()).slice(0, 200)}`);
  const data = (await response.json()) as Record<string, unknown>;
  for (const key of ["chainId", "vault"]) {
    if (data[key] === undefined || data[key] === null) throw new ConfigError(`${url} lacks the key ${key}`);
  }
  return {
    chainId: Number(data.chainId),
    vault: getAddress(String(data.vault)),
    hedger: data.hedger ? getAddress(String(data.hedger)) : undefined,
    block: data.block !== undefined ? Number(data.block) : undefined,
    network: (data.network as string | null) ?? null,
  };
}

export async function loadConfig(search = window.location.search): Promise<Config> {
  const params = new URLSearchParams(search);
  const chainParam = params.get("chain");
  const vaultParam = params.get("vault");
  let rpcUrl = params.get("rpc") ?? undefined;
  let deployment: Deployment;
  let source: string;
  if (vaultParam) {
    if (!isAddress(vaultParam)) throw new ConfigError(`vault=${vaultParam} is not an address`);
    let chainId = chainParam ? Number(chainParam) : NaN;
    if (Number.isNaN(chainId) && rpcUrl) {
      const answer = await fetch(rpcUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      }).then((r) => r.json() as Promise<{ result: string }>);
      chainId = Number(answer.result);
    }
    if (Number.isNaN(chainId)) throw new ConfigError("give the vault's chain with chain=<id> (or an rpc=<url>)");
    deployment = { chainId, vault: getAddress(vaultParam) };
    source = `vault ${vaultParam}`;
  } else if (params.get("deployment") || chainParam) {
    const url = params.get("deployment") ?? `deployments/${Number(chainParam)}.json`;
    deployment = await fetchDeployment(url);
    if (chainParam && deployment.chainId !== Number(chainParam)) {
      throw new ConfigError(`${url} is for chain ${deployment.chainId}, not ${chainParam}`);
    }
    source = url;
  } else {
    throw new ConfigError("no vault chosen: open the page with ?chain=<chain id> or ?vault=<address>&chain=<chain id>");
  }
  rpcUrl = rpcUrl ?? defaultRpc(deployment.chainId);
  return { deployment, chain: chainFor(deployment.chainId, rpcUrl), rpcUrl, source };
}
