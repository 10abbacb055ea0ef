/* The job tests with a library: a fixture that adds one (in the scratch
 * directory) to the server and client of job-fixture.h, and helpers that
 * look at what is on disk. */
#pragma once

#include "job-fixture.h"

G_BEGIN_DECLS

typedef struct
{
  Fixture    base;
  GFile     *dir;
  KsLibrary *library;
} LibFixture;

void           lib_set_up        (LibFixture      *fixture,
                                  gconstpointer    data);
void           lib_tear_down     (LibFixture      *fixture,
                                  gconstpointer    data);

/* A library on @dir, loaded (nothing damaged). */
KsLibrary     *open_library      (GFile           *dir);
/* The record as it is on disk now (NULL when there is no file). */
KsRecord      *read_record       (LibFixture      *fixture,
                                  const char      *id);
/* Flushes the fixture's library and reads the record's state from disk. */
KsRecordState  state_on_disk     (LibFixture      *fixture,
                                  const char      *id);
/* How many entries records/, images/ or references/ holds. */
guint          count_files       (LibFixture      *fixture,
                                  const char      *subdir);
/* The library file exists (and holds @expected, unless NULL). */
void           assert_file_holds (LibFixture      *fixture,
                                  const char      *relative,
                                  GBytes          *expected);
/* A fresh client for the fixture's server, as after a restart. */
KsClient      *new_client        (LibFixture      *fixture);
/* Resumes and waits; returns the jobs "job-started" announced (all ended). */
GPtrArray     *resume            (KsLibrary       *library,
                                  KsClient        *client,
                                  KsResumeSummary *summary);

G_END_DECLS
