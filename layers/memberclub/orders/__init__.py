"""Orders: webhook intake — signatures, the Shopify, WooCommerce and generic parsers, the
order facts and record — from a shop's delivery to the events on the bus."""
