"""Registration logic. The registration issue fills this module; events.services asks it for
confirmed_count(event) once it exists."""
