"""Chat centers: Telegram bots and Jabber (XMPP) accounts that take orders beside the center modems."""
