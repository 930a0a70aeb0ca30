-- Every change to a client tells every signet replica to drop its cached copy
-- (LISTEN signet_clients), whoever made it: the CLI or SQL by hand.
CREATE FUNCTION signet_notify_client_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('signet_clients', OLD.client_id);
  ELSE
    PERFORM pg_notify('signet_clients', NEW.client_id);
    IF TG_OP = 'UPDATE' AND OLD.client_id <> NEW.client_id THEN
      PERFORM pg_notify('signet_clients', OLD.client_id);
    END IF;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER clients_notify_change
AFTER INSERT OR UPDATE OR DELETE ON clients
FOR EACH ROW EXECUTE FUNCTION signet_notify_client_change();
