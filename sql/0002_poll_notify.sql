-- Every change to a poll is announced on the channel 'recognition_polls' with the poll's id as payload, so each
-- running instance refreshes that poll's scheduler job (whichever instance, or SQL session, made the change).
CREATE FUNCTION recognition_notify_poll_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('recognition_polls', coalesce(NEW.id, OLD.id)::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER polls_notify_change
AFTER INSERT OR UPDATE OR DELETE ON polls
FOR EACH ROW EXECUTE FUNCTION recognition_notify_poll_change();
