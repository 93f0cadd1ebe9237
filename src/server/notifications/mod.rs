//! Notifications: letters the host application (or the program itself) asks Pochta to deliver.
//! The host application authenticates with a tenant's API key (`api_keys`), queues a letter in
//! the durable outbox (`outbox`), and the workers of every app server deliver it through the
//! tenant's account with retries (`worker`; its transactions in `claims`, its kept SMTP
//! connection in `connection`); `http` is the host application's door. The program's own
//! «обновление завершено» is in `update`.

pub mod api_keys;
pub mod claims;
pub mod connection;
pub mod health;
pub mod http;
pub mod journal;
pub mod outbox;
pub mod update;
pub mod worker;
