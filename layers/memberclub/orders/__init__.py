"""Orders: webhook intake — signatures, the Shopify, WooCommerce and generic parsers
(``webhooks``), the order facts and record (``facts``) — from a shop's delivery to the events
on the bus (``intake``)."""
