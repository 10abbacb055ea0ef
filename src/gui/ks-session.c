#define G_LOG_DOMAIN "ks-session"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-session.h"

struct _KsSession
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (KsSession, ks_session, G_TYPE_OBJECT)

static void
ks_session_class_init (KsSessionClass *klass)
{
}

static void
ks_session_init (KsSession *self)
{
}
