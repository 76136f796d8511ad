CREATE OR REPLACE FUNCTION pointe_product_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('pointe.log_every', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM pointe_log_change(OLD.key);
        RETURN OLD;
    END IF;
    PERFORM pointe_log_change(NEW.key);
    RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION pointe_offer_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('pointe.log_every', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM pointe_log_change(OLD.product_key);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pointe_log_change(NEW.product_key);
        RETURN NEW;
    END IF;
    RETURN OLD;
END $$;
