//! Who is signed in, for the pages inside the signed-in layout (which loads the session once).

use crate::model::error::AppError;
use crate::model::session::{Me, SessionInfo};
use crate::model::Role;
use leptos::prelude::*;

/// The session of the signed-in layout, provided to its pages.
#[derive(Clone, Copy)]
pub struct SessionResource(pub Resource<Result<SessionInfo, AppError>>);

/// Who is signed in (inside the signed-in layout), once the session has loaded.
pub async fn current_me() -> Option<Me> {
    let session = use_context::<SessionResource>()?;
    session.0.await.ok().and_then(|s| s.me)
}

/// Whether the signed-in user is an administrator of their tenant.
pub async fn is_admin() -> bool {
    current_me().await.is_some_and(|me| me.role == Role::Admin)
}
