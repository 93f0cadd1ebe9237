-- «Часовой пояс» of «Настройки программы»: every time a tenant's users see is shown in it.
-- Only zones of model::time_zone::TimeZone::ALL are ever written.
ALTER TABLE tenants ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Moscow';
