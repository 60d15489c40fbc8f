//! Offline construction of programmable transactions from the typed call builders in
//! [`crate::calls`], with explicit object references (no RPC while building).

use std::collections::HashMap;

use sui_sdk_types::{Address, Digest, Identifier, Transaction, TypeTag};
use sui_transaction_builder::{Argument, Function, ObjectInput, TransactionBuilder};

use super::ChainError;
use crate::calls::{Arg, MoveCall};

/// How an object is owned, as far as building a transaction input is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// Owned by an address: passed by reference (id, version, digest).
    Owned,
    /// Immutable (frozen): passed by reference.
    Immutable,
    /// Shared since `initial_shared_version`.
    Shared {
        /// The version at which the object became shared.
        initial_shared_version: u64,
    },
}

/// A resolved object reference usable as a transaction input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectRef {
    /// The object ID.
    pub id: Address,
    /// The current version.
    pub version: u64,
    /// The current digest.
    pub digest: Digest,
    /// How it is owned.
    pub kind: ObjectKind,
}

impl ObjectRef {
    /// An address-owned object (also used for gas coins).
    pub fn owned(id: Address, version: u64, digest: Digest) -> Self {
        Self {
            id,
            version,
            digest,
            kind: ObjectKind::Owned,
        }
    }

    /// A shared object (the version and digest are not needed).
    pub fn shared(id: Address, initial_shared_version: u64) -> Self {
        Self {
            id,
            version: initial_shared_version,
            digest: Digest::ZERO,
            kind: ObjectKind::Shared {
                initial_shared_version,
            },
        }
    }

    fn input(&self, mutable: bool) -> ObjectInput {
        match self.kind {
            ObjectKind::Owned => ObjectInput::owned(self.id, self.version, self.digest),
            ObjectKind::Immutable => ObjectInput::immutable(self.id, self.version, self.digest),
            ObjectKind::Shared {
                initial_shared_version,
            } => ObjectInput::shared(self.id, initial_shared_version, mutable),
        }
    }
}

/// The Sui clock object `0x6` (shared since version 1, always taken immutably).
pub const CLOCK_ID: Address = Address::from_static("0x6");

/// Whether a Move parameter type needs a mutable input (`&mut T` or `T` by value).
pub fn param_is_mutable(move_type: &str) -> bool {
    let ty = move_type.trim();
    ty.starts_with("&mut") || !ty.starts_with('&')
}

#[derive(Debug, Clone)]
enum CommandResult {
    None,
    Single(Argument),
    Nested(Vec<Argument>),
}

/// A programmable transaction under construction. Object arguments must be registered with
/// [`Self::add_object`] first; command results are addressed as [`Arg::Result`] by command index.
pub struct PtbBuilder {
    tx: TransactionBuilder,
    objects: HashMap<Address, ObjectRef>,
    results: Vec<CommandResult>,
}

impl std::fmt::Debug for PtbBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PtbBuilder")
            .field("objects", &self.objects)
            .field("n_commands", &self.results.len())
            .finish_non_exhaustive()
    }
}

impl Default for PtbBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl PtbBuilder {
    /// An empty transaction.
    pub fn new() -> Self {
        Self {
            tx: TransactionBuilder::new(),
            objects: HashMap::new(),
            results: Vec::new(),
        }
    }

    /// Registers an object so that [`Arg::Object`] with its ID resolves to it.
    pub fn add_object(&mut self, object: ObjectRef) {
        self.objects.insert(object.id, object);
    }

    /// Whether an object is registered.
    pub fn has_object(&self, id: &Address) -> bool {
        self.objects.contains_key(id)
    }

    /// The number of commands so far (the index the next command's result gets).
    pub fn n_commands(&self) -> u16 {
        u16::try_from(self.results.len()).unwrap_or(u16::MAX)
    }

    fn argument(&mut self, arg: &Arg, mutable: bool) -> Result<Argument, ChainError> {
        Ok(match arg {
            Arg::Pure(bytes) => self.tx.pure_bytes(bytes.clone()),
            Arg::Object(id) => {
                let id = Address::new(id.0);
                let object = self.objects.get(&id).ok_or_else(|| {
                    ChainError::Build(format!("object {id} used but not registered"))
                })?;
                let input = object.input(mutable);
                self.tx.object(input)
            }
            Arg::Result(index) => match self.results.get(usize::from(*index)) {
                Some(CommandResult::Single(a)) => *a,
                Some(CommandResult::Nested(v)) if v.len() == 1 => v[0],
                _ => {
                    return Err(ChainError::Build(format!(
                        "command {index} has no single result"
                    )));
                }
            },
            Arg::NestedResult(index, sub) => match self.results.get(usize::from(*index)) {
                Some(CommandResult::Single(a)) => {
                    a.to_nested(usize::from(*sub) + 1)[usize::from(*sub)]
                }
                Some(CommandResult::Nested(v)) if usize::from(*sub) < v.len() => {
                    v[usize::from(*sub)]
                }
                _ => {
                    return Err(ChainError::Build(format!(
                        "command {index} has no result {sub}"
                    )));
                }
            },
        })
    }

    fn push(&mut self, result: CommandResult) -> Arg {
        let index = self.n_commands();
        self.results.push(result);
        Arg::Result(index)
    }

    /// Adds a typed Move call to `package` and returns its result.
    pub fn call<C: MoveCall>(&mut self, package: Address, call: &C) -> Result<Arg, ChainError> {
        self.call_with_type_args(package, call, Vec::new())
    }

    /// Adds a typed Move call with type arguments.
    pub fn call_with_type_args<C: MoveCall>(
        &mut self,
        package: Address,
        call: &C,
        type_args: Vec<TypeTag>,
    ) -> Result<Arg, ChainError> {
        let args = call.arguments();
        if args.len() != C::PARAMS.len() {
            return Err(ChainError::Build(format!(
                "{}::{} takes {} arguments, got {}",
                C::MODULE,
                C::FUNCTION,
                C::PARAMS.len(),
                args.len()
            )));
        }
        let mut arguments = Vec::with_capacity(args.len());
        for (arg, (_, move_type)) in args.iter().zip(C::PARAMS) {
            arguments.push(self.argument(arg, param_is_mutable(move_type))?);
        }
        let function = Function::new(package, identifier(C::MODULE)?, identifier(C::FUNCTION)?)
            .with_type_args(type_args);
        let result = self.tx.move_call(function, arguments);
        Ok(self.push(CommandResult::Single(result)))
    }

    /// Transfers objects (registered objects or command results) to `recipient`.
    pub fn transfer(&mut self, objects: &[Arg], recipient: Address) -> Result<(), ChainError> {
        let objects = objects
            .iter()
            .map(|a| self.argument(a, true))
            .collect::<Result<Vec<_>, _>>()?;
        let recipient = self.tx.pure(&recipient);
        self.tx.transfer_objects(objects, recipient);
        self.push(CommandResult::None);
        Ok(())
    }

    /// Splits `amounts` off a coin; the result has one nested value per amount.
    pub fn split_coin(&mut self, coin: &Arg, amounts: &[u64]) -> Result<Arg, ChainError> {
        let coin = self.argument(coin, true)?;
        let amounts = amounts.iter().map(|a| self.tx.pure(a)).collect();
        let parts = self.tx.split_coins(coin, amounts);
        Ok(self.push(CommandResult::Nested(parts)))
    }

    /// Splits `amount` off the gas coin.
    pub fn split_gas(&mut self, amount: u64) -> Arg {
        let gas = self.tx.gas();
        let amount = self.tx.pure(&amount);
        let parts = self.tx.split_coins(gas, vec![amount]);
        self.push(CommandResult::Nested(parts))
    }

    /// Merges `sources` into `target`.
    pub fn merge_coins(&mut self, target: &Arg, sources: &[Arg]) -> Result<(), ChainError> {
        if sources.is_empty() {
            return Ok(());
        }
        let target = self.argument(target, true)?;
        let sources = sources
            .iter()
            .map(|a| self.argument(a, true))
            .collect::<Result<Vec<_>, _>>()?;
        self.tx.merge_coins(target, sources);
        self.push(CommandResult::None);
        Ok(())
    }

    /// Finishes the transaction offline: sender, gas coins (owned refs), budget and price.
    pub fn build(
        mut self,
        sender: Address,
        gas: &[ObjectRef],
        gas_budget: u64,
        gas_price: u64,
    ) -> Result<Transaction, ChainError> {
        if gas.is_empty() {
            return Err(ChainError::Build("no gas coins".into()));
        }
        self.tx.set_sender(sender);
        self.tx.set_gas_budget(gas_budget);
        self.tx.set_gas_price(gas_price);
        self.tx.add_gas_objects(
            gas.iter()
                .map(|g| ObjectInput::owned(g.id, g.version, g.digest)),
        );
        self.tx
            .try_build()
            .map_err(|e| ChainError::Build(e.to_string()))
    }
}

fn identifier(name: &str) -> Result<Identifier, ChainError> {
    Identifier::new(name).map_err(|e| ChainError::Build(format!("identifier {name}: {e}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use sui_crypto::SuiVerifier as _;
    use sui_crypto::simple::SimpleVerifier;
    use sui_sdk_types::{Command, Input, TransactionKind};
    use walrus_core::{BlobId, ObjectId};

    use super::*;
    use crate::calls::{RegisterBlob, ReserveSpace};
    use crate::move_types::U256;
    use crate::wallet::Wallet;

    fn oid(a: Address) -> ObjectId {
        ObjectId(a.into_inner())
    }

    #[test]
    fn mutability_follows_the_move_parameter() {
        assert!(param_is_mutable("&mut System"));
        assert!(param_is_mutable("Storage"));
        assert!(!param_is_mutable("&System"));
        assert!(!param_is_mutable("&Clock"));
    }

    #[test]
    fn reserve_and_register_builds_signs_and_verifies_offline() {
        let wallet = Wallet::from_seed([9; 32]);
        let package = Address::from_static("0xbeef");
        let system = Address::from_static("0x51");
        let wal_coin = Address::from_static("0xc01");
        let gas = ObjectRef::owned(Address::from_static("0x9a5"), 7, Digest::new([1; 32]));

        let mut ptb = PtbBuilder::new();
        ptb.add_object(ObjectRef::shared(system, 3));
        ptb.add_object(ObjectRef::owned(wal_coin, 5, Digest::new([2; 32])));
        let storage = ptb
            .call(
                package,
                &ReserveSpace {
                    self_: Arg::Object(oid(system)),
                    storage_amount: 1 << 20,
                    epochs_ahead: 2,
                    payment: Arg::Object(oid(wal_coin)),
                },
            )
            .unwrap();
        let blob = ptb
            .call(
                package,
                &RegisterBlob {
                    self_: Arg::Object(oid(system)),
                    storage,
                    blob_id: BlobId([4; 32]),
                    root_hash: U256([5; 32]),
                    size: 1000,
                    encoding_type: 1,
                    deletable: true,
                    write_payment: Arg::Object(oid(wal_coin)),
                },
            )
            .unwrap();
        ptb.transfer(&[blob], wallet.address()).unwrap();
        let tx = ptb
            .build(wallet.address(), &[gas], 50_000_000, 1000)
            .unwrap();

        assert_eq!(tx.sender, wallet.address());
        assert_eq!(tx.gas_payment.budget, 50_000_000);
        assert_eq!(tx.gas_payment.price, 1000);
        let TransactionKind::ProgrammableTransaction(pt) = &tx.kind else {
            panic!("not a PTB")
        };
        assert_eq!(pt.commands.len(), 3);
        let Command::MoveCall(first) = &pt.commands[0] else {
            panic!("not a call")
        };
        assert_eq!(first.package, package);
        assert_eq!(first.module.as_str(), "system");
        assert_eq!(first.function.as_str(), "reserve_space");
        // The system object is one shared, mutable input; the WAL coin one owned input.
        let shared: Vec<_> = pt
            .inputs
            .iter()
            .filter_map(|i| match i {
                Input::Shared(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(shared.len(), 1);
        assert_eq!(shared[0].object_id(), system);
        assert_eq!(shared[0].version(), 3);
        assert_eq!(shared[0].mutability(), sui_sdk_types::Mutability::Mutable);
        let owned = pt
            .inputs
            .iter()
            .filter(|i| matches!(i, Input::ImmutableOrOwned(_)))
            .count();
        assert_eq!(owned, 1);

        let signature = wallet.sign_transaction(&tx).unwrap();
        SimpleVerifier.verify_transaction(&tx, &signature).unwrap();
        assert_eq!(signature.derive_address(), wallet.address());
        // A different transaction does not verify under this signature.
        let mut other = tx.clone();
        other.gas_payment.budget += 1;
        assert!(
            SimpleVerifier
                .verify_transaction(&other, &signature)
                .is_err()
        );
        // The BCS round trip keeps the digest.
        let bytes = bcs::to_bytes(&tx).unwrap();
        let back: Transaction = bcs::from_bytes(&bytes).unwrap();
        assert_eq!(back.digest(), tx.digest());
    }

    #[test]
    fn immutable_shared_use_stays_immutable_and_errors_are_reported() {
        let package = Address::from_static("0xbeef");
        let system = Address::from_static("0x51");
        let blob = Address::from_static("0xb10b");
        let mut ptb = PtbBuilder::new();
        ptb.add_object(ObjectRef::shared(system, 1));
        ptb.add_object(ObjectRef::owned(blob, 2, Digest::new([3; 32])));
        ptb.call(
            package,
            &crate::calls::DeleteBlob {
                self_: Arg::Object(oid(system)),
                blob: Arg::Object(oid(blob)),
            },
        )
        .unwrap();
        let gas = ObjectRef::owned(Address::from_static("0x9a5"), 1, Digest::new([1; 32]));
        let tx = ptb.build(Address::ZERO, &[gas], 1, 1).unwrap();
        let TransactionKind::ProgrammableTransaction(pt) = &tx.kind else {
            panic!()
        };
        let Some(Input::Shared(s)) = pt.inputs.iter().find(|i| matches!(i, Input::Shared(_)))
        else {
            panic!()
        };
        assert_eq!(s.mutability(), sui_sdk_types::Mutability::Immutable);

        let mut ptb = PtbBuilder::new();
        let err = ptb
            .call(
                package,
                &crate::calls::DeleteBlob {
                    self_: Arg::Object(oid(system)),
                    blob: Arg::Result(4),
                },
            )
            .unwrap_err();
        assert!(matches!(err, ChainError::Build(_)));
        assert!(PtbBuilder::new().build(Address::ZERO, &[], 1, 1).is_err());
    }
}
