//! Who may see what: the company whose objects an operation reads, the entitlement a resource
//! needs (noted for the journal, then checked), and loading an object the acting company can see.

use crate::actions::Actor;
use crate::domain::entitlements::{self, AccessSet};
use crate::domain::resource::{self, ResourceDef, Scope};
use crate::store::{Db, StoredObject};
use crate::wire::ApiError;

/// The company whose objects the request sees: the acting company, or 0 for shared data.
pub fn owner_company(def: &ResourceDef, actor: &Actor) -> i64 {
    match def.scope {
        Scope::Company => actor.company,
        Scope::Global => 0,
    }
}

/// Refuses with 403/9000 unless the key's effective access here includes the resource's
/// entitlement (noted for the journal either way).
pub fn check_access(def: &ResourceDef, actor: &Actor, db: &Db<'_>) -> Result<(), ApiError> {
    let Some(needed) = def.entitlement else {
        return Ok(());
    };
    actor.needed.note(needed);
    resource::access_allows(def, access_in(db, actor.key, actor.company)?)?;
    Ok(())
}

/// The effective access of a key in one company (empty where the key cannot act at all): one
/// store read of the facts, then the domain's rule.
pub fn access_in(db: &Db<'_>, key_id: i64, company_id: i64) -> Result<AccessSet, ApiError> {
    db.effective_access(key_id, company_id, || {
        let facts = db
            .access_facts(key_id, company_id)?
            .ok_or_else(|| ApiError::internal(&format!("key {key_id} or its owner vanished")))?;
        Ok(entitlements::effective_access(&facts))
    })
}

/// Object `id` of `def`, if `company` may see it.
pub fn load(def: &ResourceDef, db: &Db<'_>, company: i64, id: i64) -> Result<StoredObject, ApiError> {
    let object = db.object(&def.path, id)?;
    resource::visible_in(def, object.as_ref().map(|o| o.company_id), company, id)?;
    object.ok_or_else(|| ApiError::internal(&"a visible object vanished"))
}
