/* ks-types.h: forward declarations shared by the core headers, so they never include each other in cycles */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _KsEndpoint   KsEndpoint;    /* static catalogue entry, never freed */
typedef struct _KsParamSpec  KsParamSpec;   /* static schema entry */
typedef struct _KsFieldError KsFieldError;  /* boxed: one violation, by field */
typedef struct _KsRequest    KsRequest;     /* boxed: request id + follow-up URLs */
typedef struct _KsStatus     KsStatus;      /* boxed: one parsed status reply */
typedef struct _KsLogEntry   KsLogEntry;    /* boxed: one log line */
typedef struct _KsResult     KsResult;      /* boxed: one parsed result reply */
typedef struct _KsResultImage KsResultImage;/* boxed: one image entry of a result */

typedef struct _KsParams     KsParams;      /* GObject */
typedef struct _KsClient     KsClient;      /* GObject */
typedef struct _KsJob        KsJob;         /* GObject */
typedef struct _KsJobImage   KsJobImage;    /* GObject: a downloaded, decoded result image */
typedef struct _KsSimServer  KsSimServer;   /* GObject */
typedef struct _KsRecord     KsRecord;      /* GObject: one job as the library keeps it */
typedef struct _KsLibrary    KsLibrary;     /* GObject: the on-disk library of records */

G_END_DECLS
