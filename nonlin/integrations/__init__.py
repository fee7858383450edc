"""Put nonlin's units into other libraries' own activation tables.

``nonlin.integrations.transformers.register()`` makes ``config.hidden_act =
"pau"`` (or ``"nonlin:pau"``) work in HuggingFace transformers;
``nonlin.integrations.timm.register()`` makes ``act_layer="snake"`` work in
``timm.create_model`` and ``timm.layers.get_act_layer``.  Neither library is
imported until ``register`` is called.
"""
