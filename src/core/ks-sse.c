#define G_LOG_DOMAIN "ks-sse"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-sse.h"
