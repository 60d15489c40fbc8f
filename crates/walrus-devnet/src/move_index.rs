//! Function definition indices of the Move modules (declaration order of `fun` items in the
//! sources), reported as `MoveLocation.function` in aborts. Framework modules report 0.

/// The Move sources of the `walrus` and `wal` packages, by module name.
fn source(module: &str) -> Option<&'static str> {
    Some(match module {
        "active_set" => include_str!("../../../contracts/walrus/sources/active_set.move"),
        "blob" => include_str!("../../../contracts/walrus/sources/blob.move"),
        "bls_aggregate" => include_str!("../../../contracts/walrus/sources/bls_aggregate.move"),
        "committee" => include_str!("../../../contracts/walrus/sources/committee.move"),
        "encoding" => include_str!("../../../contracts/walrus/sources/encoding.move"),
        "events" => include_str!("../../../contracts/walrus/sources/events.move"),
        "init" => include_str!("../../../contracts/walrus/sources/init.move"),
        "messages" => include_str!("../../../contracts/walrus/sources/messages.move"),
        "metadata" => include_str!("../../../contracts/walrus/sources/metadata.move"),
        "shared_blob" => include_str!("../../../contracts/walrus/sources/shared_blob.move"),
        "staked_wal" => include_str!("../../../contracts/walrus/sources/staked_wal.move"),
        "staking" => include_str!("../../../contracts/walrus/sources/staking.move"),
        "staking_pool" => include_str!("../../../contracts/walrus/sources/staking_pool.move"),
        "storage_accounting" => {
            include_str!("../../../contracts/walrus/sources/storage_accounting.move")
        }
        "storage_node" => include_str!("../../../contracts/walrus/sources/storage_node.move"),
        "storage_resource" => {
            include_str!("../../../contracts/walrus/sources/storage_resource.move")
        }
        "system" => include_str!("../../../contracts/walrus/sources/system.move"),
        "wal" => include_str!("../../../contracts/wal/sources/wal.move"),
        _ => return None,
    })
}

/// The index of `function` among the `fun` declarations of `module`, 0 if unknown.
pub fn function_index(module: &str, function: &str) -> u16 {
    let Some(source) = source(module) else {
        return 0;
    };
    let mut index: u16 = 0;
    for line in source.lines() {
        let line = line.trim_start();
        let rest = [
            "public(package) fun ",
            "public fun ",
            "entry fun ",
            "public entry fun ",
            "fun ",
        ]
        .iter()
        .find_map(|prefix| line.strip_prefix(prefix));
        let Some(rest) = rest else { continue };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name == function {
            return index;
        }
        index = index.saturating_add(1);
    }
    0
}
