-- Mail checks, test letters and detections per user and per tenant in the current minute,
-- shared by every app instance (security rule: rate-limit what makes outbound connections).
CREATE TABLE mail_rate (
    key           TEXT    PRIMARY KEY,
    window_start  BIGINT  NOT NULL,
    count         INTEGER NOT NULL
);
