#define G_LOG_DOMAIN "ks-protocol"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-protocol.h"
