//! Server functions, one module per feature: each checks who is asking, parses its input struct
//! into a draft, calls the feature's service in `server`, and returns the model's wire types.
//! Nothing else happens here.

pub mod accounts;
pub mod crm_email;
pub mod notifications;
pub mod progress;
pub mod session;
pub mod setup;
pub mod time_zone;
pub mod trusted_certificates;
pub mod users;
