// A test EIP-1193 wallet injected before the page loads (Playwright add_init_script). It announces itself
// through EIP-6963 and/or as window.ethereum, answers accounts and chain id itself, and forwards every other
// JSON-RPC call to anvil, whose dev accounts are unlocked, so eth_sendTransaction is signed by the node.
// `__WALLET_CONFIG__` is replaced by the test: {rpc, account, chainId, nodeChainId, announce, legacy}.
(() => {
  const cfg = __WALLET_CONFIG__;
  const listeners = {};
  let chainId = cfg.chainId;
  let accounts = [];
  let id = 0;
  const calls = [];
  const emit = (event, arg) => (listeners[event] || []).forEach((f) => f(arg));
  const fail = (code, message) => Object.assign(new Error(message), { code });

  async function forward(method, params) {
    const response = await fetch(cfg.rpc, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: ++id,
        method,
        params: params || [],
      }),
    });
    const body = await response.json();
    if (body.error)
      throw Object.assign(new Error(body.error.message), {
        code: body.error.code,
        data: body.error.data,
      });
    return body.result;
  }

  const provider = {
    isTestWallet: true,
    async request({ method, params }) {
      calls.push(method);
      switch (method) {
        case "eth_requestAccounts":
          accounts = [cfg.account];
          return accounts;
        case "eth_accounts":
          return accounts;
        case "eth_chainId":
          return "0x" + chainId.toString(16);
        case "net_version":
          return String(chainId);
        case "wallet_switchEthereumChain": {
          const next = parseInt(params[0].chainId, 16);
          if (next !== cfg.nodeChainId) throw fail(4902, "Unrecognized chain ID");
          chainId = next;
          emit("chainChanged", params[0].chainId);
          return null;
        }
        case "eth_sendTransaction":
          if (chainId !== cfg.nodeChainId) throw fail(4901, "wallet is on another chain");
          if (wallet.rejectNext) {
            wallet.rejectNext = false;
            throw fail(4001, "User rejected the request.");
          }
          return forward(method, params);
        default:
          return forward(method, params);
      }
    },
    on(event, f) {
      (listeners[event] ||= []).push(f);
      return provider;
    },
    removeListener(event, f) {
      listeners[event] = (listeners[event] || []).filter((g) => g !== f);
      return provider;
    },
  };

  // Test controls: what a person does in the wallet's own window.
  const wallet = {
    calls,
    rejectNext: false,
    setAccount(account) {
      accounts = account ? [account] : [];
      emit("accountsChanged", accounts);
    },
    setChain(next) {
      chainId = next;
      emit("chainChanged", "0x" + next.toString(16));
    },
  };
  window.__testWallet = wallet;
  if (cfg.legacy) window.ethereum = provider;
  if (cfg.announce) {
    const info = Object.freeze({
      uuid: "9f2b8a52-6d1e-4c55-9d1b-1f1d3c2a7e01",
      name: "Test Wallet",
      icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='16' height='16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%234cc2ff'/%3E%3C/svg%3E",
      rdns: "org.deltavault.testwallet",
    });
    const announce = () =>
      window.dispatchEvent(
        new CustomEvent("eip6963:announceProvider", {
          detail: Object.freeze({ info, provider }),
        }),
      );
    window.addEventListener("eip6963:requestProvider", announce);
    announce();
  }
})();
