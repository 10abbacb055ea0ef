#define G_LOG_DOMAIN "ks-client"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-client.h"
