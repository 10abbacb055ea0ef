#define G_LOG_DOMAIN "ks-job"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-job.h"
