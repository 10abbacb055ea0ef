#define G_LOG_DOMAIN "ks-endpoint"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-endpoint.h"
