-- RFC 9449 §5: a public client's refresh tokens are bound to the DPoP key its
-- code redemption proved (the key's RFC 7638 thumbprint); a refresh must prove
-- the same key. NULL: not bound (a confidential client's tokens are bound to its
-- authentication instead).
ALTER TABLE refresh_token_families ADD COLUMN dpop_jkt text;
