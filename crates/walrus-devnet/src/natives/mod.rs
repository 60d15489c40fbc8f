//! Native implementations of the Move functions the devnet executes: the framework functions PTBs
//! use (`coin`, `balance`, `transfer`) and the `wal` and `walrus` packages, one Rust module per
//! Move module, following the Move code function by function.
//!
//! A native receives its arguments as [`Value`]s (objects, typed values or untyped pure bytes),
//! decodes them into the BCS mirrors from `walrus-sui`, runs the Move logic and encodes mutated
//! references back in place. Aborts carry the Move module, function and abort code.

pub mod active_set;
pub mod blob;
pub mod challenges;
pub mod coin;
pub mod committee;
pub mod encoding;
pub mod shared_blob;
pub mod staked_wal;
pub mod staking;
pub mod staking_pool;
pub mod storage_node;
pub mod storage_resource;
pub mod system;
pub mod wal;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sui_sdk_types::{
    Address, CommandArgumentError, Digest, ExecutionError, Identifier, MoveLocation, Object, Owner,
    StructTag, TypeTag,
};

use walrus_core::ObjectId;

use crate::framework::{self, SUI_FRAMEWORK};

/// A value in a programmable transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Untyped BCS bytes of a pure input (typed by its first use).
    Pure(Vec<u8>),
    /// A typed non-object value (e.g. `Balance<T>`, a returned `u64`).
    Typed(TypeTag, Vec<u8>),
    /// An object (a struct with `key`).
    Obj(ObjVal),
    /// A vector of objects built by `MakeMoveVec`.
    ObjVec(StructTag, Vec<ObjVal>),
}

/// An object value: its type, whether it has `store`, and its BCS contents (UID first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjVal {
    /// The struct type.
    pub ty: StructTag,
    /// Whether the type has `store` (public transfer).
    pub has_public_transfer: bool,
    /// The BCS contents.
    pub contents: Vec<u8>,
}

impl ObjVal {
    /// A new object value from a mirror struct.
    pub fn new<T: Serialize>(ty: StructTag, has_public_transfer: bool, value: &T) -> NResult<Self> {
        Ok(Self {
            ty,
            has_public_transfer,
            contents: bcs::to_bytes(value).map_err(|_| invariant())?,
        })
    }

    /// The object ID (the first 32 bytes).
    pub fn id(&self) -> Address {
        let mut bytes = [0; 32];
        if let Some(head) = self.contents.get(..32) {
            bytes.copy_from_slice(head);
        }
        Address::new(bytes)
    }
}

/// How a native takes a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// `&T`.
    Ref,
    /// `&mut T`.
    MutRef,
    /// `T` by value.
    Val,
}

/// The result of a native.
pub type NResult<T> = Result<T, NativeError>;

/// A native's failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeError {
    /// A Move abort.
    Abort {
        /// The package of the aborting module.
        package: Address,
        /// The module.
        module: &'static str,
        /// The function where the abort happens.
        function: &'static str,
        /// The abort code.
        code: u64,
    },
    /// An argument error (argument index within the command).
    Arg(u16, CommandArgumentError),
    /// Any other execution error.
    Exec(ExecutionError),
}

impl NativeError {
    /// Converts to the Sui execution error.
    pub fn into_execution_error(self) -> ExecutionError {
        match self {
            Self::Abort {
                package,
                module,
                function,
                code,
            } => ExecutionError::MoveAbort {
                location: MoveLocation {
                    package,
                    module: Identifier::from_static(module),
                    function: crate::move_index::function_index(module, function),
                    instruction: 0,
                    function_name: Some(Identifier::from_static(function)),
                },
                code,
            },
            Self::Arg(argument, kind) => ExecutionError::CommandArgumentError { argument, kind },
            Self::Exec(error) => error,
        }
    }
}

/// An abort in a `walrus` module.
pub fn walrus_abort(module: &'static str, function: &'static str, code: u64) -> NativeError {
    NativeError::Abort {
        package: framework::walrus_package(),
        module,
        function,
        code,
    }
}

/// An abort in a Sui framework module.
pub fn framework_abort(module: &'static str, function: &'static str, code: u64) -> NativeError {
    NativeError::Abort {
        package: SUI_FRAMEWORK,
        module,
        function,
        code,
    }
}

/// `assert!(cond, err)`.
pub fn ensure(cond: bool, err: impl FnOnce() -> NativeError) -> NResult<()> {
    if cond { Ok(()) } else { Err(err()) }
}

/// An arithmetic error (overflow, underflow, division by zero).
pub fn arithmetic() -> NativeError {
    NativeError::Exec(ExecutionError::MovePrimitiveRuntimeError { location: None })
}

/// An internal inconsistency (a bug or corrupt state).
pub fn invariant() -> NativeError {
    NativeError::Exec(ExecutionError::InvariantViolation)
}

/// The implementation of a native function.
pub type NativeFnPtr = fn(&mut NativeCtx<'_>, &[TypeTag], &mut [Value]) -> NResult<Vec<Value>>;

/// A registry entry.
pub fn native(
    params: &'static [ParamKind],
    type_params: usize,
    func: NativeFnPtr,
) -> Option<NativeFn> {
    Some(NativeFn {
        params,
        type_params,
        func,
    })
}

/// A signature of a native function.
#[derive(Debug, Clone, Copy)]
pub struct NativeFn {
    /// The parameters (without `&mut TxContext`).
    pub params: &'static [ParamKind],
    /// The number of type parameters.
    pub type_params: usize,
    /// The implementation.
    pub func: NativeFnPtr,
}

/// Finds the native implementing `package::module::function`. `None` if the package is known but
/// the function is not; the caller checks the package first with [`is_known_package`].
pub fn lookup(package: &Address, module: &str, function: &str) -> Option<NativeFn> {
    if *package == SUI_FRAMEWORK {
        coin::lookup(module, function)
    } else if *package == framework::wal_package() {
        match module {
            "wal" => wal::lookup(function),
            _ => None,
        }
    } else if *package == framework::walrus_package() {
        match module {
            "system" => system::lookup(function),
            "challenges" => challenges::lookup(function),
            "blob" => blob::lookup(function),
            "storage_resource" => storage_resource::lookup(function),
            "encoding" => encoding::lookup(function),
            "staking" => staking::lookup(function),
            "staking_pool" => staking_pool::lookup(function),
            "staked_wal" => staked_wal::lookup(function),
            "storage_node" => storage_node::lookup(function),
            "committee" => committee::lookup(function),
            "shared_blob" => shared_blob::lookup(function),
            _ => None,
        }
    } else {
        None
    }
}

/// Whether MoveCalls into `package` are known (else the transaction is rejected before execution).
pub fn is_known_package(package: &Address) -> bool {
    *package == SUI_FRAMEWORK
        || *package == framework::STD_PACKAGE
        || *package == framework::wal_package()
        || *package == framework::walrus_package()
}

/// Read access to the live objects (for dynamic fields).
pub trait ObjectSource {
    /// The latest version of an object.
    fn object(&self, id: &Address) -> Option<Object>;
}

/// A dynamic field child loaded during execution.
#[derive(Debug, Clone)]
pub struct ChildState {
    /// The object before the transaction, if it existed.
    pub original: Option<Object>,
    /// The field type.
    pub ty: StructTag,
    /// The parent UID.
    pub parent: Address,
    /// The current contents; `None` once removed.
    pub contents: Option<Vec<u8>>,
    /// Whether it was borrowed mutably, added or removed.
    pub dirty: bool,
}

/// The execution context handed to natives (`TxContext` plus the devnet's bookkeeping).
pub struct NativeCtx<'a> {
    /// The transaction sender.
    pub sender: Address,
    /// The transaction digest (for fresh IDs).
    pub tx_digest: Digest,
    /// The number of IDs created so far.
    pub ids_created: u64,
    /// IDs created in this transaction (fresh UIDs and new dynamic fields).
    pub fresh: BTreeSet<Address>,
    /// IDs deleted in this transaction.
    pub deleted: BTreeSet<Address>,
    /// Emitted events `(type, contents)`.
    pub events: Vec<(StructTag, Vec<u8>)>,
    /// Objects given away by natives (`transfer::*`, `share_object`).
    pub transfers: Vec<(ObjVal, Owner)>,
    /// Loaded dynamic-field children.
    pub children: BTreeMap<Address, ChildState>,
    /// The Clock's time for this transaction.
    pub clock_ms: u64,
    source: &'a dyn ObjectSource,
}

impl std::fmt::Debug for NativeCtx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeCtx")
            .field("sender", &self.sender)
            .field("ids_created", &self.ids_created)
            .finish_non_exhaustive()
    }
}

impl<'a> NativeCtx<'a> {
    /// A context for one transaction.
    pub fn new(
        sender: Address,
        tx_digest: Digest,
        clock_ms: u64,
        source: &'a dyn ObjectSource,
    ) -> Self {
        Self {
            sender,
            tx_digest,
            ids_created: 0,
            fresh: BTreeSet::new(),
            deleted: BTreeSet::new(),
            events: Vec::new(),
            transfers: Vec::new(),
            children: BTreeMap::new(),
            clock_ms,
            source,
        }
    }

    /// `object::new(ctx)`: a fresh UID.
    pub fn fresh_id(&mut self) -> Address {
        let id = Address::derive_id(self.tx_digest, self.ids_created);
        self.ids_created += 1;
        self.fresh.insert(id);
        id
    }

    /// `object::delete(id)`.
    pub fn delete_id(&mut self, id: Address) {
        self.deleted.insert(id);
    }

    /// `event::emit(value)`.
    pub fn emit<T: Serialize + walrus_sui::MoveStruct>(&mut self, event: &T) -> NResult<()> {
        let ty = framework::struct_tag(framework::walrus_package(), T::MODULE, T::NAME, vec![]);
        let bytes = bcs::to_bytes(event).map_err(|_| invariant())?;
        self.events.push((ty, bytes));
        Ok(())
    }

    fn child_id(parent: Address, key_tag: &TypeTag, key: &[u8]) -> Address {
        parent.derive_dynamic_child_id(key_tag, key)
    }

    fn load_child(&mut self, parent: Address, key_tag: &TypeTag, key: &[u8]) -> Option<Address> {
        let id = Self::child_id(parent, key_tag, key);
        self.load_child_at(parent, id)
    }

    /// Loads the object `id` owned by `parent` (a dynamic field, or the object under a dynamic
    /// object field) into the children.
    fn load_child_at(&mut self, parent: Address, id: Address) -> Option<Address> {
        if !self.children.contains_key(&id) {
            let object = self.source.object(&id)?;
            if *object.owner() != Owner::Object(parent) {
                return None;
            }
            let strukt = object.as_struct()?;
            let state = ChildState {
                ty: strukt.object_type().clone(),
                contents: Some(strukt.contents().to_vec()),
                original: Some(object.clone()),
                parent,
                dirty: false,
            };
            self.children.insert(id, state);
        }
        Some(id)
    }

    /// `dynamic_field::exists_(parent, key)`.
    pub fn df_exists<K: Serialize>(&mut self, parent: Address, key_tag: &TypeTag, key: &K) -> bool {
        let Ok(key) = bcs::to_bytes(key) else {
            return false;
        };
        self.load_child(parent, key_tag, &key)
            .and_then(|id| self.children.get(&id))
            .is_some_and(|c| c.contents.is_some())
    }

    /// `dynamic_field::borrow(parent, key)`; aborts with `EFieldDoesNotExist` if missing.
    pub fn df_borrow<K: Serialize, V: DeserializeOwned>(
        &mut self,
        parent: Address,
        key_tag: &TypeTag,
        key: &K,
    ) -> NResult<V> {
        let key = bcs::to_bytes(key).map_err(|_| invariant())?;
        let missing = || framework_abort("dynamic_field", "borrow_child_object", 1);
        let id = self.load_child(parent, key_tag, &key).ok_or_else(missing)?;
        let contents = self
            .children
            .get(&id)
            .and_then(|c| c.contents.as_ref())
            .ok_or_else(missing)?;
        let value = contents.get(32 + key.len()..).ok_or_else(invariant)?;
        bcs::from_bytes(value).map_err(|_| invariant())
    }

    /// Writes back a field borrowed with [`Self::df_borrow`] (`dynamic_field::borrow_mut`).
    pub fn df_write<K: Serialize, V: Serialize>(
        &mut self,
        parent: Address,
        key_tag: &TypeTag,
        key: &K,
        value: &V,
    ) -> NResult<()> {
        let key_bytes = bcs::to_bytes(key).map_err(|_| invariant())?;
        let id = self
            .load_child(parent, key_tag, &key_bytes)
            .ok_or_else(|| framework_abort("dynamic_field", "borrow_child_object_mut", 1))?;
        let child = self.children.get_mut(&id).ok_or_else(invariant)?;
        child.contents = Some(framework::field_contents(id, key, value).map_err(|_| invariant())?);
        child.dirty = true;
        Ok(())
    }

    /// `dynamic_field::add(parent, key, value)`; aborts with `EFieldAlreadyExists` if present.
    pub fn df_add<K: Serialize, V: Serialize>(
        &mut self,
        parent: Address,
        key_tag: TypeTag,
        key: &K,
        value_tag: TypeTag,
        value: &V,
    ) -> NResult<()> {
        let key_bytes = bcs::to_bytes(key).map_err(|_| invariant())?;
        if self.df_exists(parent, &key_tag, key) {
            return Err(framework_abort("dynamic_field", "add", 0));
        }
        let id = Self::child_id(parent, &key_tag, &key_bytes);
        let contents = framework::field_contents(id, key, value).map_err(|_| invariant())?;
        let original = self.children.get(&id).and_then(|c| c.original.clone());
        if original.is_none() {
            self.fresh.insert(id);
        }
        self.deleted.remove(&id);
        self.children.insert(
            id,
            ChildState {
                original,
                ty: framework::field_tag(key_tag, value_tag),
                parent,
                contents: Some(contents),
                dirty: true,
            },
        );
        Ok(())
    }

    /// `dynamic_field::remove(parent, key)`; aborts with `EFieldDoesNotExist` if missing.
    pub fn df_remove<K: Serialize, V: DeserializeOwned>(
        &mut self,
        parent: Address,
        key_tag: &TypeTag,
        key: &K,
    ) -> NResult<V> {
        let value: V = self.df_borrow(parent, key_tag, key)?;
        let key_bytes = bcs::to_bytes(key).map_err(|_| invariant())?;
        let id = Self::child_id(parent, key_tag, &key_bytes);
        let child = self.children.get_mut(&id).ok_or_else(invariant)?;
        child.contents = None;
        child.dirty = true;
        self.deleted.insert(id);
        Ok(value)
    }

    // === Dynamic object fields (`object_table`, and any `dynamic_object_field` key) ===

    /// The field of the dynamic object field whose name has Move type `key_type` and BCS bytes
    /// `key_bytes` under `parent`, and the ID of the object it points to.
    fn dof_object_id_of(
        &mut self,
        parent: Address,
        key_type: &TypeTag,
        key_bytes: &[u8],
    ) -> Option<(Address, Address)> {
        let field = self.load_child(parent, &dof_wrapper_of(key_type.clone()), key_bytes)?;
        let contents = self.children.get(&field)?.contents.as_ref()?;
        let value = contents.get(32 + key_bytes.len()..)?;
        let object: ObjectId = bcs::from_bytes(value).ok()?;
        Some((field, framework::to_address(object)))
    }

    /// The field of the dynamic object field `key` (an `ID`) under `parent`, and the ID of the
    /// object it points to.
    fn dof_object_id(&mut self, parent: Address, key: &ObjectId) -> Option<(Address, Address)> {
        let key_bytes = bcs::to_bytes(key).ok()?;
        self.dof_object_id_of(parent, &object_id_type(), &key_bytes)
    }

    /// `dynamic_object_field::exists_(parent, key)` (`object_table::contains`).
    pub fn dof_exists(&mut self, parent: Address, key: &ObjectId) -> bool {
        self.dof_object_id(parent, key)
            .and_then(|(field, object)| self.load_child_at(field, object))
            .and_then(|id| self.children.get(&id))
            .is_some_and(|c| c.contents.is_some())
    }

    /// `dynamic_object_field::exists_with_type<K, V>(parent, key)` for a key of Move type
    /// `key_type`: the object exists and is a `value_type`.
    pub fn dof_exists_with_type<K: Serialize>(
        &mut self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
        value_type: &StructTag,
    ) -> bool {
        let Ok(key_bytes) = bcs::to_bytes(key) else {
            return false;
        };
        self.dof_object_id_of(parent, key_type, &key_bytes)
            .and_then(|(field, object)| self.load_child_at(field, object))
            .and_then(|id| self.children.get(&id))
            .is_some_and(|c| c.contents.is_some() && c.ty == *value_type)
    }

    /// `dynamic_object_field::borrow(parent, key)`; aborts with `EFieldDoesNotExist` if missing.
    pub fn dof_borrow<V: DeserializeOwned>(
        &mut self,
        parent: Address,
        key: &ObjectId,
    ) -> NResult<V> {
        self.dof_borrow_keyed(parent, &object_id_type(), key)
    }

    /// `dynamic_object_field::borrow(parent, key)` for a key of Move type `key_type`.
    pub fn dof_borrow_keyed<K: Serialize, V: DeserializeOwned>(
        &mut self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
    ) -> NResult<V> {
        let missing = || framework_abort("dynamic_field", "borrow_child_object", 1);
        let key_bytes = bcs::to_bytes(key).map_err(|_| invariant())?;
        let (field, object) = self
            .dof_object_id_of(parent, key_type, &key_bytes)
            .ok_or_else(missing)?;
        let id = self.load_child_at(field, object).ok_or_else(missing)?;
        let contents = self
            .children
            .get(&id)
            .and_then(|c| c.contents.as_ref())
            .ok_or_else(missing)?;
        bcs::from_bytes(contents).map_err(|_| invariant())
    }

    /// Writes back an object borrowed with [`Self::dof_borrow`].
    pub fn dof_write<V: Serialize>(
        &mut self,
        parent: Address,
        key: &ObjectId,
        value: &V,
    ) -> NResult<()> {
        self.dof_write_keyed(parent, &object_id_type(), key, value)
    }

    /// Writes back an object borrowed with [`Self::dof_borrow_keyed`].
    pub fn dof_write_keyed<K: Serialize, V: Serialize>(
        &mut self,
        parent: Address,
        key_type: &TypeTag,
        key: &K,
        value: &V,
    ) -> NResult<()> {
        let missing = || framework_abort("dynamic_field", "borrow_child_object_mut", 1);
        let key_bytes = bcs::to_bytes(key).map_err(|_| invariant())?;
        let (field, object) = self
            .dof_object_id_of(parent, key_type, &key_bytes)
            .ok_or_else(missing)?;
        let id = self.load_child_at(field, object).ok_or_else(missing)?;
        let child = self.children.get_mut(&id).ok_or_else(invariant)?;
        child.contents = Some(bcs::to_bytes(value).map_err(|_| invariant())?);
        child.dirty = true;
        Ok(())
    }

    /// `dynamic_object_field::add(parent, key, object)`: the field `Wrapper<ID> -> ID` under
    /// `parent`, and the object (whose UID comes first in `value`) under the field.
    pub fn dof_add<V: Serialize>(
        &mut self,
        parent: Address,
        key: ObjectId,
        ty: StructTag,
        value: &V,
    ) -> NResult<()> {
        let contents = bcs::to_bytes(value).map_err(|_| invariant())?;
        let object = ObjVal {
            ty: ty.clone(),
            has_public_transfer: true,
            contents: contents.clone(),
        }
        .id();
        self.df_add(
            parent,
            dof_wrapper_type(),
            &key,
            object_id_type(),
            &framework::to_object_id(object),
        )?;
        let key_bytes = bcs::to_bytes(&key).map_err(|_| invariant())?;
        let field = Self::child_id(parent, &dof_wrapper_type(), &key_bytes);
        let original = self.children.get(&object).and_then(|c| c.original.clone());
        self.deleted.remove(&object);
        self.children.insert(
            object,
            ChildState {
                original,
                ty,
                parent: field,
                contents: Some(contents),
                dirty: true,
            },
        );
        Ok(())
    }

    // === Tables ===

    /// `table::new` / `object_table::new`: a `{ id, size: 0 }` value with a fresh UID.
    pub fn new_table<T: DeserializeOwned>(&mut self) -> NResult<T> {
        let mut bytes = self.fresh_id().into_inner().to_vec();
        bytes.extend(0u64.to_le_bytes());
        bcs::from_bytes(&bytes).map_err(|_| invariant())
    }
}

/// `0x2::object::ID`.
pub fn object_id_type() -> TypeTag {
    TypeTag::Struct(Box::new(framework::struct_tag(
        SUI_FRAMEWORK,
        "object",
        "ID",
        vec![],
    )))
}

/// `0x2::dynamic_object_field::Wrapper<0x2::object::ID>`, the name type of an `ObjectTable<ID, _>`
/// entry.
pub fn dof_wrapper_type() -> TypeTag {
    dof_wrapper_of(object_id_type())
}

/// `0x2::dynamic_object_field::Wrapper<K>`, the field name type of a dynamic object field whose
/// key has type `key_type` (the wrapper's BCS is the key's).
pub fn dof_wrapper_of(key_type: TypeTag) -> TypeTag {
    TypeTag::Struct(Box::new(framework::struct_tag(
        SUI_FRAMEWORK,
        "dynamic_object_field",
        "Wrapper",
        vec![key_type],
    )))
}

// === Argument helpers ===

/// Decodes a pure or typed argument of Move type `expected`.
pub fn pure_arg<T: DeserializeOwned>(value: &Value, index: u16, expected: &TypeTag) -> NResult<T> {
    let bytes = match value {
        Value::Pure(bytes) => bytes,
        Value::Typed(ty, bytes) if ty == expected => bytes,
        _ => return Err(NativeError::Arg(index, CommandArgumentError::TypeMismatch)),
    };
    bcs::from_bytes(bytes)
        .map_err(|_| NativeError::Arg(index, CommandArgumentError::InvalidBcsBytes))
}

/// Decodes an object argument of type `expected` into its mirror.
pub fn obj_arg<T: DeserializeOwned>(value: &Value, index: u16, expected: &StructTag) -> NResult<T> {
    match value {
        Value::Obj(obj) if obj.ty == *expected => {
            bcs::from_bytes(&obj.contents).map_err(|_| invariant())
        }
        _ => Err(NativeError::Arg(index, CommandArgumentError::TypeMismatch)),
    }
}

/// Re-encodes a mutated object argument in place.
pub fn set_obj<T: Serialize>(value: &mut Value, mirror: &T) -> NResult<()> {
    match value {
        Value::Obj(obj) => {
            obj.contents = bcs::to_bytes(mirror).map_err(|_| invariant())?;
            Ok(())
        }
        _ => Err(invariant()),
    }
}

/// Decodes a typed non-object argument (e.g. `Balance<T>`).
pub fn typed_arg<T: DeserializeOwned>(value: &Value, index: u16, expected: &TypeTag) -> NResult<T> {
    match value {
        Value::Typed(ty, bytes) if ty == expected => {
            bcs::from_bytes(bytes).map_err(|_| invariant())
        }
        _ => Err(NativeError::Arg(index, CommandArgumentError::TypeMismatch)),
    }
}

/// A typed value.
pub fn typed<T: Serialize>(ty: TypeTag, value: &T) -> NResult<Value> {
    Ok(Value::Typed(
        ty,
        bcs::to_bytes(value).map_err(|_| invariant())?,
    ))
}

/// The single type argument of a generic native.
pub fn single_type_arg(type_args: &[TypeTag]) -> NResult<TypeTag> {
    match type_args {
        [ty] => Ok(ty.clone()),
        _ => Err(NativeError::Exec(ExecutionError::TypeArityMismatch)),
    }
}
