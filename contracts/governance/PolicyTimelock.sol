// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IBorrowVenue} from "@deltavault/interfaces/IBorrowVenue.sol";
import {IDeltaHedger} from "@deltavault/interfaces/IDeltaHedger.sol";
import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IPolicyTimelock} from "@deltavault/interfaces/IPolicyTimelock.sol";

/// @title PolicyTimelock
/// @notice The vault's owner: tightening changes apply at once, loosening ones after a fixed notice (see
///         IPolicyTimelock). The admin proposes, the guardian cancels, anyone applies a change once it is due.
/// @dev Every struct compared here has static fields only, so `abi.encode` gives one 32-byte word per field in
///      declaration order; the comparison walks the words beside the struct's rule table. A rule table that does
///      not have one entry per field makes every proposal of that kind revert (`RuleTableMismatch`), so a field
///      added to a policy struct cannot go unchecked: add its rule to the table, in field order.
contract PolicyTimelock is IPolicyTimelock {
    // ---------------------------------------------------------------- constants

    /// @notice Bounds of the notice, seconds.
    uint256 public constant MIN_DELAY = 1 days;
    uint256 public constant MAX_DELAY = 7 days;
    /// @notice A due change must be applied within this time, or it expires (a stale change is not applied
    ///         months later against a policy that has moved on).
    uint256 public constant GRACE_PERIOD = 14 days;

    // ---------------------------------------------------------------- immutables

    /// @inheritdoc IPolicyTimelock
    IDeltaVault public immutable vault;
    /// @inheritdoc IPolicyTimelock
    address public immutable admin;
    /// @inheritdoc IPolicyTimelock
    address public immutable guardian;
    /// @inheritdoc IPolicyTimelock
    uint256 public immutable delay;

    // ---------------------------------------------------------------- storage

    mapping(bytes32 id => Change) internal _queued;
    bytes32[] internal _pending;
    /// @dev Position of a pending id in `_pending`, plus one (0 when not pending).
    mapping(bytes32 id => uint256) internal _pendingIndex;
    /// @dev Makes ids of identical proposals distinct.
    uint256 internal _nonce;

    // ---------------------------------------------------------------- constructor

    /// @param vault_ The vault whose owner role this contract will hold.
    /// @param admin_ Proposes changes (the former owner, e.g. a multisig).
    /// @param guardian_ Cancels queued changes.
    /// @param delay_ Notice before a loosening change applies, seconds, within [MIN_DELAY, MAX_DELAY].
    constructor(IDeltaVault vault_, address admin_, address guardian_, uint256 delay_) {
        if (address(vault_) == address(0) || admin_ == address(0) || guardian_ == address(0))
            revert ZeroAddress();
        if (delay_ < MIN_DELAY || delay_ > MAX_DELAY) revert DelayOutOfBounds(delay_, MIN_DELAY, MAX_DELAY);
        vault = vault_;
        admin = admin_;
        guardian = guardian_;
        delay = delay_;
    }

    // ---------------------------------------------------------------- proposals

    /// @inheritdoc IPolicyTimelock
    function proposeVaultPolicy(
        IDeltaVault.Policy calldata policy
    ) external onlyAdmin returns (bytes32 id, bool applied) {
        return _proposeRuled(ChangeKind.VaultPolicy, abi.encode(vault.policy()), abi.encode(policy), "");
    }

    /// @inheritdoc IPolicyTimelock
    function proposeOracleConfig(
        IDeltaVault.OracleConfig calldata config
    ) external onlyAdmin returns (bytes32 id, bool applied) {
        return
            _proposeRuled(ChangeKind.OracleConfig, abi.encode(vault.oracleConfig()), abi.encode(config), "");
    }

    /// @inheritdoc IPolicyTimelock
    function proposeHedgerPolicy(
        address hedger,
        IDeltaHedger.Policy calldata policy
    ) external onlyAdmin returns (bytes32 id, bool applied) {
        if (hedger == address(0)) revert ZeroAddress();
        return
            _proposeRuled(
                ChangeKind.HedgerPolicy,
                abi.encode(IDeltaHedger(hedger).policy()),
                abi.encode(policy),
                abi.encode(hedger)
            );
    }

    /// @inheritdoc IPolicyTimelock
    function proposeHedger(address hedger) external onlyAdmin returns (bytes32 id) {
        (id, ) = _propose(ChangeKind.Hedger, abi.encode(hedger), "hedger");
    }

    /// @inheritdoc IPolicyTimelock
    function proposeRole(bytes32 role, address account, bool grant) external onlyAdmin returns (bytes32 id) {
        if (account == address(0)) revert ZeroAddress();
        (id, ) = _propose(ChangeKind.Role, abi.encode(role, account, grant), "role");
    }

    /// @inheritdoc IPolicyTimelock
    function proposeShortPolicy(
        address hedger,
        IDeltaHedger.ShortPolicy calldata policy
    ) external onlyAdmin returns (bytes32 id, bool applied) {
        if (hedger == address(0)) revert ZeroAddress();
        return
            _proposeRuled(
                ChangeKind.ShortPolicy,
                abi.encode(IDeltaHedger(hedger).shortPolicy()),
                abi.encode(policy),
                abi.encode(hedger)
            );
    }

    /// @inheritdoc IPolicyTimelock
    function proposeBorrowVenue(IBorrowVenue venue) external onlyAdmin returns (bytes32 id) {
        (id, ) = _propose(ChangeKind.BorrowVenue, abi.encode(venue), "borrowVenue");
    }

    // ---------------------------------------------------------------- execution and cancellation

    /// @inheritdoc IPolicyTimelock
    function execute(bytes32 id) external {
        Change memory change = _queued[id];
        if (change.readyAt == 0) revert ChangeNotQueued(id);
        if (block.timestamp < change.readyAt) revert ChangeNotReady(id, change.readyAt);
        uint256 expiredAt = uint256(change.readyAt) + GRACE_PERIOD;
        if (block.timestamp > expiredAt) revert ChangeExpired(id, expiredAt);
        _dequeue(id);
        _apply(change.kind, change.data);
        emit ChangeApplied(id, change.kind, change.data, false);
    }

    /// @inheritdoc IPolicyTimelock
    function cancel(bytes32 id) external {
        if (msg.sender != guardian && msg.sender != admin) revert NotGuardian(msg.sender);
        if (_queued[id].readyAt == 0) revert ChangeNotQueued(id);
        _dequeue(id);
        emit ChangeCancelled(id, msg.sender);
    }

    // ---------------------------------------------------------------- the rules (one place)

    /// @inheritdoc IPolicyTimelock
    /// @dev Fees: a higher fee takes more from depositors who joined under the lower one. Spreads, minimum
    ///      premium and the price band protect the vault from traders and from trading against a predictable mark:
    ///      lower loosens. `volMarkBand` is both the band's volatility term (lower loosens) and the largest step
    ///      of a manual volatility change (higher loosens): any change. Gamma and vega limits: higher loosens.
    ///      The jump band, the trading cut-off before expiry and the request delay protect against trading on a
    ///      known update: lower loosens. A new field of the struct gets its entry here, in its position.
    function vaultPolicyRules() public pure returns (FieldRule[] memory r) {
        r = new FieldRule[](12);
        r[0] = FieldRule("entryFeeBps", Loosens.Higher);
        r[1] = FieldRule("exitFeeBps", Loosens.Higher);
        r[2] = FieldRule("baseSpreadBps", Loosens.Lower);
        r[3] = FieldRule("exposureSpreadBps", Loosens.Lower);
        r[4] = FieldRule("minPremiumBps", Loosens.Lower);
        r[5] = FieldRule("priceMarkBps", Loosens.Lower);
        r[6] = FieldRule("volMarkBand", Loosens.Any);
        r[7] = FieldRule("gammaLimit", Loosens.Higher);
        r[8] = FieldRule("vegaLimit", Loosens.Higher);
        r[9] = FieldRule("jumpMarkBps", Loosens.Lower);
        r[10] = FieldRule("tradingCutoff", Loosens.Lower);
        r[11] = FieldRule("requestDelay", Loosens.Lower);
    }

    /// @inheritdoc IPolicyTimelock
    /// @dev A new feed is a new oracle: any change. Older answers accepted: higher loosens. A shorter grace
    ///      period after an L2 sequencer restart: lower loosens.
    function oracleConfigRules() public pure returns (FieldRule[] memory r) {
        r = new FieldRule[](6);
        r[0] = FieldRule("priceFeed", Loosens.Any);
        r[1] = FieldRule("priceMaxAge", Loosens.Higher);
        r[2] = FieldRule("volFeed", Loosens.Any);
        r[3] = FieldRule("volMaxAge", Loosens.Higher);
        r[4] = FieldRule("sequencerFeed", Loosens.Any);
        r[5] = FieldRule("sequencerGracePeriod", Loosens.Lower);
    }

    /// @inheritdoc IPolicyTimelock
    /// @dev What bounds the value a rebalance can lose or pay: hedge cap, pool deviation, slippage, loss budget,
    ///      bounty multiplier and cap (higher loosens), the cooldown and the loss window (lower loosens). The
    ///      rules, target, bands, intervals and estimator settings trade hedging error against trading cost, a
    ///      choice with no safe direction: any change.
    function hedgerPolicyRules() public pure returns (FieldRule[] memory r) {
        r = new FieldRule[](19);
        r[0] = FieldRule("rules", Loosens.Any);
        r[1] = FieldRule("tradeToEdge", Loosens.Any);
        r[2] = FieldRule("target", Loosens.Any);
        r[3] = FieldRule("band", Loosens.Any);
        r[4] = FieldRule("minBand", Loosens.Any);
        r[5] = FieldRule("hedgeCap", Loosens.Higher);
        r[6] = FieldRule("minInterval", Loosens.Lower);
        r[7] = FieldRule("maxInterval", Loosens.Any);
        r[8] = FieldRule("maxPoolDeviationBps", Loosens.Higher);
        r[9] = FieldRule("maxSlippageBps", Loosens.Higher);
        r[10] = FieldRule("lossWindow", Loosens.Lower);
        r[11] = FieldRule("lossBudgetBps", Loosens.Higher);
        r[12] = FieldRule("riskAversion", Loosens.Any);
        r[13] = FieldRule("rebalanceGas", Loosens.Any);
        r[14] = FieldRule("bountyMultiplierBps", Loosens.Higher);
        r[15] = FieldRule("bountyCap", Loosens.Higher);
        r[16] = FieldRule("referenceVol", Loosens.Any);
        r[17] = FieldRule("ewmaAlpha", Loosens.Any);
        r[18] = FieldRule("observationSpacing", Loosens.Any);
    }

    /// @inheritdoc IPolicyTimelock
    /// @dev A higher loan-to-value (target or maximum) puts the position nearer its liquidation price; a higher
    ///      cap on base owed lets the vault owe more to the venue: higher loosens, for all three.
    function shortPolicyRules() public pure returns (FieldRule[] memory r) {
        r = new FieldRule[](3);
        r[0] = FieldRule("targetLtv", Loosens.Higher);
        r[1] = FieldRule("maxLtv", Loosens.Higher);
        r[2] = FieldRule("maxBaseOwed", Loosens.Higher);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IPolicyTimelock
    function queued(bytes32 id) external view returns (Change memory) {
        return _queued[id];
    }

    /// @inheritdoc IPolicyTimelock
    function pendingIds() external view returns (bytes32[] memory) {
        return _pending;
    }

    /// @inheritdoc IPolicyTimelock
    function vaultPolicyLoosens(
        IDeltaVault.Policy calldata current,
        IDeltaVault.Policy calldata next
    ) external pure returns (bytes32) {
        return _firstLoosened(ChangeKind.VaultPolicy, abi.encode(current), abi.encode(next));
    }

    /// @inheritdoc IPolicyTimelock
    function oracleConfigLoosens(
        IDeltaVault.OracleConfig calldata current,
        IDeltaVault.OracleConfig calldata next
    ) external pure returns (bytes32) {
        return _firstLoosened(ChangeKind.OracleConfig, abi.encode(current), abi.encode(next));
    }

    /// @inheritdoc IPolicyTimelock
    function hedgerPolicyLoosens(
        IDeltaHedger.Policy calldata current,
        IDeltaHedger.Policy calldata next
    ) external pure returns (bytes32) {
        return _firstLoosened(ChangeKind.HedgerPolicy, abi.encode(current), abi.encode(next));
    }

    /// @inheritdoc IPolicyTimelock
    function shortPolicyLoosens(
        IDeltaHedger.ShortPolicy calldata current,
        IDeltaHedger.ShortPolicy calldata next
    ) external pure returns (bytes32) {
        return _firstLoosened(ChangeKind.ShortPolicy, abi.encode(current), abi.encode(next));
    }

    // ---------------------------------------------------------------- internal

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin(msg.sender);
        _;
    }

    /// @dev Applies a change that loosens nothing (`field` 0) at once; queues the others.
    function _propose(ChangeKind kind, bytes memory data, bytes32 field) internal returns (bytes32 id, bool) {
        id = keccak256(abi.encode(kind, data, ++_nonce));
        if (field == bytes32(0)) {
            _apply(kind, data);
            emit ChangeApplied(id, kind, data, true);
            return (id, true);
        }
        uint256 readyAt = block.timestamp + delay;
        // Fits: a timestamp plus at most seven days.
        _queued[id] = Change({kind: kind, readyAt: uint64(readyAt), data: data});
        _pending.push(id);
        _pendingIndex[id] = _pending.length;
        emit ChangeQueued(id, kind, data, readyAt, field);
        return (id, false);
    }

    function _apply(ChangeKind kind, bytes memory data) internal {
        if (kind == ChangeKind.VaultPolicy) {
            vault.setPolicy(abi.decode(data, (IDeltaVault.Policy)));
        } else if (kind == ChangeKind.OracleConfig) {
            vault.setOracleConfig(abi.decode(data, (IDeltaVault.OracleConfig)));
        } else if (kind == ChangeKind.HedgerPolicy) {
            (address hedger, IDeltaHedger.Policy memory policy) = abi.decode(
                data,
                (address, IDeltaHedger.Policy)
            );
            IDeltaHedger(hedger).setPolicy(policy);
        } else if (kind == ChangeKind.Hedger) {
            vault.setHedger(abi.decode(data, (address)));
        } else if (kind == ChangeKind.ShortPolicy) {
            (address hedger, IDeltaHedger.ShortPolicy memory policy) = abi.decode(
                data,
                (address, IDeltaHedger.ShortPolicy)
            );
            IDeltaHedger(hedger).setShortPolicy(policy);
        } else if (kind == ChangeKind.BorrowVenue) {
            vault.setBorrowVenue(abi.decode(data, (IBorrowVenue)));
        } else {
            (bytes32 role, address account, bool grant) = abi.decode(data, (bytes32, address, bool));
            if (grant) IAccessControl(address(vault)).grantRole(role, account);
            else IAccessControl(address(vault)).revokeRole(role, account);
        }
    }

    function _dequeue(bytes32 id) internal {
        delete _queued[id];
        uint256 index = _pendingIndex[id] - 1;
        bytes32 last = _pending[_pending.length - 1];
        _pending[index] = last;
        _pendingIndex[last] = index + 1;
        _pending.pop();
        delete _pendingIndex[id];
    }

    /// @dev Proposes a change of a struct with a rule table: applied at once unless a field of `next` loosens
    ///      protection against `current`; the change's data is `prefix` (the target, if any) followed by `next`.
    function _proposeRuled(
        ChangeKind kind,
        bytes memory current,
        bytes memory next,
        bytes memory prefix
    ) internal returns (bytes32 id, bool applied) {
        return _propose(kind, bytes.concat(prefix, next), _firstLoosened(kind, current, next));
    }

    /// @dev The rule table of a change kind with one (empty for the others).
    function _rules(ChangeKind kind) internal pure returns (FieldRule[] memory rules) {
        if (kind == ChangeKind.VaultPolicy) return vaultPolicyRules();
        if (kind == ChangeKind.OracleConfig) return oracleConfigRules();
        if (kind == ChangeKind.HedgerPolicy) return hedgerPolicyRules();
        if (kind == ChangeKind.ShortPolicy) return shortPolicyRules();
    }

    /// @dev The name of the first field whose move from `current` to `next` loosens protection by its rule, or
    ///      0 when none does. Both are ABI encodings of one struct of static fields: one word per field.
    function _firstLoosened(
        ChangeKind kind,
        bytes memory current,
        bytes memory next
    ) internal pure returns (bytes32) {
        FieldRule[] memory rules = _rules(kind);
        uint256 fields = next.length / 32;
        if (fields != rules.length || current.length != next.length) {
            revert RuleTableMismatch(kind, fields, rules.length);
        }
        for (uint256 i; i < fields; ++i) {
            uint256 a;
            uint256 b;
            assembly ("memory-safe") {
                a := mload(add(current, add(32, mul(i, 32))))
                b := mload(add(next, add(32, mul(i, 32))))
            }
            if (a == b) continue;
            Loosens rule = rules[i].loosens;
            if (
                rule == Loosens.Any || (rule == Loosens.Higher && b > a) || (rule == Loosens.Lower && b < a)
            ) {
                return rules[i].name;
            }
        }
        return bytes32(0);
    }
}
