"""Abstract interpretation of function bodies: which calls run, in order, and what they record.

A function is run statement by statement with its names bound (flow-sensitively: a local
reassigned before use has its new value), the way Python would run it, except that what cannot
be known statically is ``UNKNOWN``. A condition that is known decides its branch (``if False:``
applies nothing); one that is not runs both ("may apply"). Statements after a ``return`` or a
``raise`` do not run. Loops over known items run once per item; loops over unknown items run
their body once with the item unknown. Calls are followed into the project's functions and
methods, resolved as Python resolves them: along the method resolution order of the object's
real class (a mixin's ``self.SQL_X`` finds the concrete class's constant), the last definition
winning, through ``super()``, ``type(self)``, ``getattr`` with a known name, bound methods kept in
locals, attributes of ``self`` and project classes instantiated (their ``__init__`` runs).

What may apply or record a migration but cannot be followed (a call of an unknown callable, a
computed ``getattr``, SQL whose text is unknown) stops the check: ``UnresolvableError`` naming
the construct and the option that would describe it. ``strict=False`` runs (used to ask whether
a helper records the numbers its caller passes) skip those instead.
"""
