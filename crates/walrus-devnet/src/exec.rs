//! Execution of programmable transactions over loaded inputs: the PTB interpreter (built-in
//! commands plus native Move calls), gas charging, lamport versions and effects.

// `ExecutionError` is large, and failures are the rare path of a whole transaction.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};

use sui_sdk_types::{
    Address, Argument, ChangedObject, Command, CommandArgumentError, Digest, Event, ExecutionError,
    ExecutionStatus, GasCostSummary, IdOperation, MoveStruct, Object, ObjectData, ObjectIn,
    ObjectOut, Owner, ProgrammableTransaction, StructTag, TransactionEffects, TransactionEffectsV2,
    TransactionEvents, TypeTag, UnchangedConsensusKind, UnchangedConsensusObject,
};

use crate::framework::CoinData;
use crate::natives::{self, NativeCtx, NativeError, ObjVal, ObjectSource, ParamKind, Value};

/// Computation units charged for every user transaction (times the gas price).
pub const GAS_COMPUTATION_UNITS: u64 = 1_000;

/// How an object input is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// An address-owned object.
    Owned,
    /// An immutable object.
    Immutable,
    /// A shared object taken mutably.
    SharedMut,
    /// A shared object taken read-only.
    SharedRead,
}

/// A validated PTB input.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // Object inputs dominate; boxing buys nothing here.
pub enum LoadedInput {
    /// Pure bytes.
    Pure(Vec<u8>),
    /// An object at its current version.
    Object(Object, InputKind),
}

/// A validated user transaction ready to execute.
#[derive(Debug, Clone)]
pub struct LoadedTx {
    /// The transaction digest.
    pub digest: Digest,
    /// The sender.
    pub sender: Address,
    /// The programmable transaction.
    pub ptb: ProgrammableTransaction,
    /// The inputs, aligned with `ptb.inputs`.
    pub inputs: Vec<LoadedInput>,
    /// The gas coins (first is the gas object).
    pub gas: Vec<Object>,
    /// The gas owner.
    pub gas_owner: Address,
    /// The gas price.
    pub gas_price: u64,
    /// The gas budget.
    pub gas_budget: u64,
}

/// The result of executing a transaction.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Objects written (new versions).
    pub written: BTreeMap<Address, Object>,
    /// Objects deleted or wrapped (no longer live).
    pub removed: BTreeSet<Address>,
    /// The effects.
    pub effects: TransactionEffects,
    /// The events (`None` if none).
    pub events: Option<TransactionEvents>,
}

type CmdResult<T> = Result<T, NativeError>;

#[derive(Debug)]
struct Slot {
    value: Option<Value>,
    kind: Option<InputKind>,
}

struct Ptb<'a, 'b> {
    ctx: &'b mut NativeCtx<'a>,
    inputs: Vec<Slot>,
    gas: Option<Value>,
    results: Vec<Vec<Option<Value>>>,
    finals: BTreeMap<Address, (ObjVal, Owner)>,
    events: Vec<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Loc {
    Gas,
    Input(usize),
    Result(usize, usize),
}

fn arg_err(index: usize, kind: CommandArgumentError) -> NativeError {
    NativeError::Arg(u16::try_from(index).unwrap_or(u16::MAX), kind)
}

fn is_copyable(value: &Value) -> bool {
    match value {
        Value::Pure(_) => true,
        Value::Typed(ty, _) => !matches!(ty, TypeTag::Struct(_)),
        Value::Obj(_) | Value::ObjVec(..) => false,
    }
}

impl Ptb<'_, '_> {
    fn loc(&self, arg: &Argument, index: usize) -> CmdResult<Loc> {
        match *arg {
            Argument::Gas => Ok(Loc::Gas),
            Argument::Input(i) => {
                let i = usize::from(i);
                if i >= self.inputs.len() {
                    return Err(arg_err(
                        index,
                        CommandArgumentError::IndexOutOfBounds {
                            index: u16::try_from(i).unwrap_or(u16::MAX),
                        },
                    ));
                }
                Ok(Loc::Input(i))
            }
            Argument::Result(r) => {
                let ri = usize::from(r);
                let Some(result) = self.results.get(ri) else {
                    return Err(arg_err(
                        index,
                        CommandArgumentError::IndexOutOfBounds { index: r },
                    ));
                };
                if result.len() != 1 {
                    return Err(arg_err(
                        index,
                        CommandArgumentError::InvalidResultArity { result: r },
                    ));
                }
                Ok(Loc::Result(ri, 0))
            }
            Argument::NestedResult(r, s) => {
                let (ri, si) = (usize::from(r), usize::from(s));
                let Some(result) = self.results.get(ri) else {
                    return Err(arg_err(
                        index,
                        CommandArgumentError::IndexOutOfBounds { index: r },
                    ));
                };
                if si >= result.len() {
                    return Err(arg_err(
                        index,
                        CommandArgumentError::SecondaryIndexOutOfBounds {
                            result: r,
                            subresult: s,
                        },
                    ));
                }
                Ok(Loc::Result(ri, si))
            }
        }
    }

    fn slot(&mut self, loc: Loc) -> &mut Option<Value> {
        match loc {
            Loc::Gas => &mut self.gas,
            Loc::Input(i) => &mut self.inputs[i].value,
            Loc::Result(r, s) => &mut self.results[r][s],
        }
    }

    fn input_kind(&self, loc: Loc) -> Option<InputKind> {
        match loc {
            Loc::Input(i) => self.inputs[i].kind,
            _ => None,
        }
    }

    /// Takes a value by value (copyable values are copied).
    fn take(&mut self, loc: Loc, index: usize, allow_gas: bool) -> CmdResult<Value> {
        if loc == Loc::Gas && !allow_gas {
            return Err(arg_err(index, CommandArgumentError::InvalidGasCoinUsage));
        }
        if let Some(kind) = self.input_kind(loc)
            && kind != InputKind::Owned
        {
            return Err(arg_err(index, CommandArgumentError::InvalidObjectByValue));
        }
        let slot = self.slot(loc);
        match slot {
            None => Err(arg_err(index, CommandArgumentError::ArgumentWithoutValue)),
            Some(value) if is_copyable(value) => Ok(value.clone()),
            Some(_) => slot.take().ok_or_else(natives::invariant),
        }
    }

    fn borrow(&mut self, loc: Loc, index: usize) -> CmdResult<Value> {
        self.slot(loc)
            .clone()
            .ok_or_else(|| arg_err(index, CommandArgumentError::ArgumentWithoutValue))
    }

    fn borrow_mut(&mut self, loc: Loc, index: usize) -> CmdResult<Value> {
        if matches!(
            self.input_kind(loc),
            Some(InputKind::Immutable | InputKind::SharedRead)
        ) {
            return Err(arg_err(index, CommandArgumentError::InvalidObjectByMutRef));
        }
        self.borrow(loc, index)
    }

    fn put_back(&mut self, loc: Loc, value: Value) {
        *self.slot(loc) = Some(value);
    }

    fn run(&mut self, ptb: &ProgrammableTransaction) -> Result<(), (ExecutionError, Option<u64>)> {
        for (i, command) in ptb.commands.iter().enumerate() {
            let outputs = self
                .command(command)
                .map_err(|e| (e.into_execution_error(), Some(i as u64)))?;
            self.results.push(outputs.into_iter().map(Some).collect());
        }
        Ok(())
    }

    fn command(&mut self, command: &Command) -> CmdResult<Vec<Value>> {
        match command {
            Command::TransferObjects(transfer) => {
                let address_index = transfer.objects.len();
                let loc = self.loc(&transfer.address, address_index)?;
                let address: Address = natives::pure_arg(
                    &self.borrow(loc, address_index)?,
                    u16::try_from(address_index).unwrap_or(u16::MAX),
                    &TypeTag::Address,
                )?;
                for (i, arg) in transfer.objects.iter().enumerate() {
                    let loc = self.loc(arg, i)?;
                    match self.take(loc, i, true)? {
                        Value::Obj(obj) if obj.has_public_transfer => {
                            self.finals.insert(obj.id(), (obj, Owner::Address(address)));
                        }
                        Value::Obj(_) => {
                            return Err(arg_err(i, CommandArgumentError::InvalidTransferObject));
                        }
                        _ => return Err(arg_err(i, CommandArgumentError::TypeMismatch)),
                    }
                }
                Ok(vec![])
            }
            Command::SplitCoins(split) => {
                let loc = self.loc(&split.coin, 0)?;
                let coin_value = self.borrow_mut(loc, 0)?;
                let Value::Obj(mut coin_obj) = coin_value else {
                    return Err(arg_err(0, CommandArgumentError::TypeMismatch));
                };
                let Some(coin_type) = coin_obj.ty.is_coin().cloned() else {
                    return Err(arg_err(0, CommandArgumentError::TypeMismatch));
                };
                let mut coin: CoinData =
                    bcs::from_bytes(&coin_obj.contents).map_err(|_| natives::invariant())?;
                let mut outputs = Vec::new();
                for (i, amount) in split.amounts.iter().enumerate() {
                    let aloc = self.loc(amount, i + 1)?;
                    let amount: u64 = natives::pure_arg(
                        &self.borrow(aloc, i + 1)?,
                        u16::try_from(i + 1).unwrap_or(u16::MAX),
                        &TypeTag::U64,
                    )?;
                    if coin.value < amount {
                        return Err(NativeError::Exec(ExecutionError::InsufficientCoinBalance));
                    }
                    coin.value -= amount;
                    outputs.push(natives::coin::new_coin(
                        self.ctx,
                        coin_type.clone(),
                        amount,
                    )?);
                }
                coin_obj.contents = bcs::to_bytes(&coin).map_err(|_| natives::invariant())?;
                self.put_back(loc, Value::Obj(coin_obj));
                Ok(outputs)
            }
            Command::MergeCoins(merge) => {
                let loc = self.loc(&merge.coin, 0)?;
                let Value::Obj(mut target) = self.borrow_mut(loc, 0)? else {
                    return Err(arg_err(0, CommandArgumentError::TypeMismatch));
                };
                if target.ty.is_coin().is_none() {
                    return Err(arg_err(0, CommandArgumentError::TypeMismatch));
                }
                let mut coin: CoinData =
                    bcs::from_bytes(&target.contents).map_err(|_| natives::invariant())?;
                for (i, arg) in merge.coins_to_merge.iter().enumerate() {
                    let sloc = self.loc(arg, i + 1)?;
                    if sloc == loc {
                        return Err(arg_err(i + 1, CommandArgumentError::InvalidValueUsage));
                    }
                    match self.take(sloc, i + 1, false)? {
                        Value::Obj(source) if source.ty == target.ty => {
                            let other: CoinData = bcs::from_bytes(&source.contents)
                                .map_err(|_| natives::invariant())?;
                            coin.value = coin
                                .value
                                .checked_add(other.value)
                                .ok_or(NativeError::Exec(ExecutionError::CoinBalanceOverflow))?;
                            self.ctx.delete_id(source.id());
                        }
                        _ => return Err(arg_err(i + 1, CommandArgumentError::TypeMismatch)),
                    }
                }
                target.contents = bcs::to_bytes(&coin).map_err(|_| natives::invariant())?;
                self.put_back(loc, Value::Obj(target));
                Ok(vec![])
            }
            Command::MakeMoveVector(make) => {
                let mut values = Vec::new();
                for (i, arg) in make.elements.iter().enumerate() {
                    let loc = self.loc(arg, i)?;
                    values.push(self.take(loc, i, false)?);
                }
                make_vector(make.type_.as_ref(), values)
            }
            Command::MoveCall(call) => self.move_call(call),
            _ => Err(NativeError::Exec(ExecutionError::FeatureNotYetSupported)),
        }
    }

    fn move_call(&mut self, call: &sui_sdk_types::MoveCall) -> CmdResult<Vec<Value>> {
        let Some(native) =
            natives::lookup(&call.package, call.module.as_str(), call.function.as_str())
        else {
            return Err(NativeError::Exec(ExecutionError::FunctionNotFound));
        };
        if call.type_arguments.len() != native.type_params {
            return Err(NativeError::Exec(ExecutionError::TypeArityMismatch));
        }
        if call.arguments.len() != native.params.len() {
            return Err(NativeError::Exec(ExecutionError::ArityMismatch));
        }
        let mut locs = Vec::new();
        for (i, arg) in call.arguments.iter().enumerate() {
            let loc = self.loc(arg, i)?;
            let kind = native.params[i];
            if kind != ParamKind::Ref
                && let Some((_, other_kind)) = locs.iter().find(|(l, _)| *l == loc)
                && (*other_kind != ParamKind::Ref || kind != ParamKind::Ref)
                && !self.slot(loc).as_ref().is_some_and(is_copyable)
            {
                return Err(arg_err(i, CommandArgumentError::InvalidValueUsage));
            }
            locs.push((loc, kind));
        }
        let mut args = Vec::new();
        for (i, (loc, kind)) in locs.iter().enumerate() {
            args.push(match kind {
                ParamKind::Ref => self.borrow(*loc, i)?,
                ParamKind::MutRef => self.borrow_mut(*loc, i)?,
                ParamKind::Val => self.take(*loc, i, false)?,
            });
        }
        let events_before = self.ctx.events.len();
        let outputs = (native.func)(self.ctx, &call.type_arguments, &mut args)?;
        for (ty, contents) in self.ctx.events.drain(events_before..) {
            self.events.push(Event {
                package_id: call.package,
                module: call.module.clone(),
                sender: self.ctx.sender,
                type_: ty,
                contents,
            });
        }
        for ((loc, kind), value) in locs.into_iter().zip(args) {
            if kind == ParamKind::MutRef {
                self.put_back(loc, value);
            }
        }
        for (obj, owner) in std::mem::take(&mut self.ctx.transfers) {
            self.finals.insert(obj.id(), (obj, owner));
        }
        Ok(outputs)
    }
}

fn make_vector(ty: Option<&TypeTag>, values: Vec<Value>) -> CmdResult<Vec<Value>> {
    let all_objects = !values.is_empty() && values.iter().all(|v| matches!(v, Value::Obj(_)));
    if let (Some(TypeTag::Struct(tag)), true) = (ty, values.is_empty()) {
        // An empty vector of a struct type: represent as an empty object vector.
        return Ok(vec![Value::ObjVec((**tag).clone(), vec![])]);
    }
    if all_objects {
        let mut objects = Vec::new();
        for value in values {
            if let Value::Obj(obj) = value {
                objects.push(obj);
            }
        }
        let tag = objects[0].ty.clone();
        if objects.iter().any(|o| o.ty != tag)
            || ty.is_some_and(|t| *t != TypeTag::Struct(Box::new(tag.clone())))
        {
            return Err(arg_err(0, CommandArgumentError::TypeMismatch));
        }
        return Ok(vec![Value::ObjVec(tag, objects)]);
    }
    let mut bytes = uleb128(values.len());
    let mut elem_type = ty.cloned();
    for (i, value) in values.into_iter().enumerate() {
        match value {
            Value::Pure(b) => bytes.extend(b),
            Value::Typed(t, b) => {
                if elem_type.as_ref().is_some_and(|e| *e != t) {
                    return Err(arg_err(i, CommandArgumentError::TypeMismatch));
                }
                elem_type = Some(t);
                bytes.extend(b);
            }
            _ => {
                return Err(arg_err(
                    i,
                    CommandArgumentError::InvalidMakeMoveVecNonObjectArgument,
                ));
            }
        }
    }
    Ok(vec![match elem_type {
        Some(t) => Value::Typed(TypeTag::Vector(Box::new(t)), bytes),
        None => Value::Pure(bytes),
    }])
}

fn uleb128(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = u8::try_from(n & 0x7f).unwrap_or(0);
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

fn obj_val(object: &Object) -> Option<ObjVal> {
    let strukt = object.as_struct()?;
    Some(ObjVal {
        ty: strukt.object_type().clone(),
        has_public_transfer: strukt.has_public_transfer(),
        contents: strukt.contents().to_vec(),
    })
}

fn new_object(
    ty: StructTag,
    hpt: bool,
    version: u64,
    contents: Vec<u8>,
    owner: Owner,
    digest: Digest,
) -> Option<Object> {
    let strukt = MoveStruct::new(ty, hpt, version, contents)?;
    Some(Object::new(ObjectData::Struct(strukt), owner, digest, 0))
}

/// Executes a validated user transaction. `clock_ms` is the Clock's time.
pub fn execute(tx: &LoadedTx, clock_ms: u64, epoch: u64, source: &dyn ObjectSource) -> Outcome {
    let mut max_version = 0;
    for input in &tx.inputs {
        if let LoadedInput::Object(object, _) = input {
            max_version = max_version.max(object.version());
        }
    }
    for coin in &tx.gas {
        max_version = max_version.max(coin.version());
    }
    let lamport = max_version + 1;
    let cost = GAS_COMPUTATION_UNITS.saturating_mul(tx.gas_price);

    // Smash the gas coins into the first.
    let mut gas_total: u64 = 0;
    for coin in &tx.gas {
        gas_total = gas_total.saturating_add(
            sui_sdk_types::framework::Coin::try_from_object(coin).map_or(0, |c| c.balance()),
        );
    }
    let gas_id = tx.gas.first().map(Object::object_id);
    let smashed_away: BTreeSet<Address> = tx.gas.iter().skip(1).map(Object::object_id).collect();
    let gas_value = tx.gas.first().and_then(obj_val).and_then(|mut obj| {
        let mut coin: CoinData = bcs::from_bytes(&obj.contents).ok()?;
        coin.value = gas_total;
        obj.contents = bcs::to_bytes(&coin).ok()?;
        Some(Value::Obj(obj))
    });

    let mut ctx = NativeCtx::new(tx.sender, tx.digest, clock_ms, source);
    let inputs = tx
        .inputs
        .iter()
        .map(|input| match input {
            LoadedInput::Pure(bytes) => Slot {
                value: Some(Value::Pure(bytes.clone())),
                kind: None,
            },
            LoadedInput::Object(object, kind) => Slot {
                value: obj_val(object).map(Value::Obj),
                kind: Some(*kind),
            },
        })
        .collect();
    let mut ptb = Ptb {
        ctx: &mut ctx,
        inputs,
        gas: gas_value.clone(),
        results: Vec::new(),
        finals: BTreeMap::new(),
        events: Vec::new(),
    };
    let mut status = ptb.run(&tx.ptb).and_then(|()| finish(&mut ptb, tx));
    let mut finals = std::mem::take(&mut ptb.finals);
    let events = std::mem::take(&mut ptb.events);

    // Charge gas on the final gas coin.
    if status.is_ok()
        && let Some(id) = gas_id
    {
        let charged = finals.get_mut(&id).and_then(|(obj, _)| {
            let mut coin: CoinData = bcs::from_bytes(&obj.contents).ok()?;
            coin.value = coin.value.checked_sub(cost)?;
            obj.contents = bcs::to_bytes(&coin).ok()?;
            Some(())
        });
        if charged.is_none() {
            status = Err((ExecutionError::InsufficientGas, None));
        }
    }
    let success = status.is_ok();
    let (fresh, mut deleted, children) = if success {
        (
            std::mem::take(&mut ctx.fresh),
            std::mem::take(&mut ctx.deleted),
            std::mem::take(&mut ctx.children),
        )
    } else {
        // Roll back everything but gas: mutable inputs are rewritten unchanged.
        finals.clear();
        for input in &tx.inputs {
            if let LoadedInput::Object(object, InputKind::Owned | InputKind::SharedMut) = input
                && let Some(obj) = obj_val(object)
            {
                finals.insert(object.object_id(), (obj, *object.owner()));
            }
        }
        if let (Some(id), Some(Value::Obj(mut obj))) = (gas_id, gas_value) {
            if let Ok(mut coin) = bcs::from_bytes::<CoinData>(&obj.contents) {
                coin.value = coin.value.saturating_sub(cost);
                if let Ok(bytes) = bcs::to_bytes(&coin) {
                    obj.contents = bytes;
                }
            }
            let owner = tx
                .gas
                .first()
                .map(|g| *g.owner())
                .unwrap_or(Owner::Immutable);
            finals.insert(id, (obj, owner));
        }
        (BTreeSet::new(), BTreeSet::new(), BTreeMap::new())
    };
    deleted.extend(smashed_away);

    // Objects as they were before the transaction.
    let mut before: BTreeMap<Address, Object> = BTreeMap::new();
    let mut read_only_shared = Vec::new();
    let mut mutable_inputs = BTreeSet::new();
    for input in &tx.inputs {
        if let LoadedInput::Object(object, kind) = input {
            before.insert(object.object_id(), object.clone());
            match kind {
                InputKind::Owned | InputKind::SharedMut => {
                    mutable_inputs.insert(object.object_id());
                }
                InputKind::SharedRead => read_only_shared.push(object.clone()),
                InputKind::Immutable => {}
            }
        }
    }
    for coin in &tx.gas {
        before.insert(coin.object_id(), coin.clone());
        mutable_inputs.insert(coin.object_id());
    }
    let mut dependencies: BTreeSet<Digest> =
        before.values().map(Object::previous_transaction).collect();

    let mut written: BTreeMap<Address, Object> = BTreeMap::new();
    for (id, (obj, owner)) in finals {
        // An object shared in this transaction (`natives::shared_blob::NEW_SHARED_VERSION`)
        // starts at the transaction's lamport version, as in Sui.
        let owner = match owner {
            Owner::Shared(0) => Owner::Shared(lamport),
            other => other,
        };
        if let Some(object) = new_object(
            obj.ty,
            obj.has_public_transfer,
            lamport,
            obj.contents,
            owner,
            tx.digest,
        ) {
            written.insert(id, object);
        }
    }
    for (id, child) in &children {
        if let Some(original) = &child.original {
            dependencies.insert(original.previous_transaction());
            before.insert(*id, original.clone());
        }
        if child.dirty
            && let Some(contents) = &child.contents
            && let Some(object) = new_object(
                child.ty.clone(),
                false,
                lamport,
                contents.clone(),
                Owner::Object(child.parent),
                tx.digest,
            )
        {
            written.insert(*id, object);
        }
    }
    dependencies.remove(&tx.digest);

    let mut ids: BTreeSet<Address> = mutable_inputs.clone();
    ids.extend(written.keys().copied());
    ids.extend(deleted.iter().copied());
    ids.extend(children.iter().filter(|(_, c)| c.dirty).map(|(id, _)| *id));
    let mut changed_objects = Vec::new();
    let mut removed = BTreeSet::new();
    for id in ids {
        let existed = before.get(&id);
        let input_state = existed.map_or(ObjectIn::NotExist, |o| ObjectIn::Exist {
            version: o.version(),
            digest: o.digest(),
            owner: *o.owner(),
        });
        let (output_state, id_operation) = if let Some(object) = written.get(&id) {
            let op = if existed.is_none() && fresh.contains(&id) {
                IdOperation::Created
            } else {
                IdOperation::None
            };
            (
                ObjectOut::ObjectWrite {
                    digest: object.digest(),
                    owner: *object.owner(),
                },
                op,
            )
        } else if existed.is_some() {
            removed.insert(id);
            let op = if deleted.contains(&id) {
                IdOperation::Deleted
            } else {
                IdOperation::None
            };
            (ObjectOut::NotExist, op)
        } else if !fresh.contains(&id) && deleted.contains(&id) {
            (ObjectOut::NotExist, IdOperation::Deleted)
        } else {
            continue;
        };
        changed_objects.push(ChangedObject {
            object_id: id,
            input_state,
            output_state,
            id_operation,
        });
    }
    let gas_object_index = gas_id.and_then(|id| {
        changed_objects
            .iter()
            .position(|c| c.object_id == id)
            .and_then(|p| u32::try_from(p).ok())
    });
    let unchanged_consensus_objects = read_only_shared
        .iter()
        .map(|o| UnchangedConsensusObject {
            object_id: o.object_id(),
            kind: UnchangedConsensusKind::ReadOnlyRoot {
                version: o.version(),
                digest: o.digest(),
            },
        })
        .collect();
    let events = if success && !events.is_empty() {
        Some(TransactionEvents(events))
    } else {
        None
    };
    let status = match status {
        Ok(()) => ExecutionStatus::Success,
        Err((error, command)) => ExecutionStatus::Failure { error, command },
    };
    let effects = TransactionEffects::V2(Box::new(TransactionEffectsV2 {
        status,
        epoch,
        gas_used: GasCostSummary {
            computation_cost: if gas_id.is_some() { cost } else { 0 },
            storage_cost: 0,
            storage_rebate: 0,
            non_refundable_storage_fee: 0,
        },
        transaction_digest: tx.digest,
        gas_object_index,
        events_digest: events.as_ref().map(TransactionEvents::digest),
        dependencies: dependencies.into_iter().collect(),
        lamport_version: lamport,
        changed_objects,
        unchanged_consensus_objects,
        auxiliary_data_digest: None,
    }));
    Outcome {
        written,
        removed,
        effects,
        events,
    }
}

/// End of the PTB: returns remaining owned and mutable inputs to their owners and checks that no
/// value without `drop` is left.
fn finish(ptb: &mut Ptb<'_, '_>, tx: &LoadedTx) -> Result<(), (ExecutionError, Option<u64>)> {
    for (r, result) in ptb.results.iter().enumerate() {
        for (s, value) in result.iter().enumerate() {
            let droppable = match value {
                None | Some(Value::Pure(_)) => true,
                // `std` structs the natives return (`Option<String>`, `String`) have `drop`.
                Some(Value::Typed(ty, _)) => match ty {
                    TypeTag::Struct(tag) => *tag.address() == crate::framework::STD_PACKAGE,
                    _ => true,
                },
                Some(Value::ObjVec(_, objects)) => objects.is_empty(),
                Some(Value::Obj(_)) => false,
            };
            if !droppable {
                return Err((
                    ExecutionError::UnusedValueWithoutDrop {
                        result: u16::try_from(r).unwrap_or(u16::MAX),
                        subresult: u16::try_from(s).unwrap_or(u16::MAX),
                    },
                    None,
                ));
            }
        }
    }
    for (slot, input) in ptb.inputs.iter_mut().zip(&tx.inputs) {
        if let LoadedInput::Object(object, InputKind::Owned | InputKind::SharedMut) = input
            && let Some(Value::Obj(obj)) = slot.value.take()
        {
            ptb.finals.entry(obj.id()).or_insert((obj, *object.owner()));
        }
    }
    if let (Some(Value::Obj(obj)), Some(gas)) = (ptb.gas.take(), tx.gas.first()) {
        ptb.finals
            .entry(obj.id())
            .or_insert((obj, Owner::Address(tx.gas_owner)));
        let _ = gas;
    }
    Ok(())
}
