#pragma once

#include <adwaita.h>

#include "ks-core.h"

G_BEGIN_DECLS

#define KS_TYPE_SWEEP_DIALOG (ks_sweep_dialog_get_type ())
G_DECLARE_FINAL_TYPE (KsSweepDialog, ks_sweep_dialog, KS, SWEEP_DIALOG, AdwWindow)

/* "Sweep…": the composer's request sent several times, over N seeds
 * (2–16) or a list of guidance values ("2, 3.5, 5, 7"), with the total
 * shown before anything is sent ("4 jobs · 4 images · $0.16"). A list that
 * does not parse or leaves the allowed range says why, in words, and
 * Submit stays disabled.
 *
 * Properties:
 *   base        KsParams, construct-only: the request to vary (copied)
 *   kind        KsSweepKind
 *   can-submit  gboolean, read-only: the sweep is valid
 *
 * Signal:
 *   submit (KsSweepKind, GPtrArray* of KsParams)   Submit was pressed; the
 *                                                  dialog closes after it
 *
 * Action: sweep.submit. */
GtkWidget   *ks_sweep_dialog_new            (GtkWindow     *parent,
                                             KsParams      *base);
KsSweepKind  ks_sweep_dialog_get_kind       (KsSweepDialog *self);
void         ks_sweep_dialog_set_kind       (KsSweepDialog *self,
                                             KsSweepKind    kind);
void         ks_sweep_dialog_set_n_seeds    (KsSweepDialog *self,
                                             guint          n_seeds);
void         ks_sweep_dialog_set_guidance_text (KsSweepDialog *self,
                                             const char    *text);
gboolean     ks_sweep_dialog_get_can_submit (KsSweepDialog *self);
/* The jobs' parameters as they stand (transfer none); NULL when invalid. */
GPtrArray   *ks_sweep_dialog_get_params     (KsSweepDialog *self);
/* What is wrong, in words; NULL when valid. */
const char  *ks_sweep_dialog_get_error      (KsSweepDialog *self);
/* "4 jobs · 4 images · $0.16"; NULL when invalid. */
const char  *ks_sweep_dialog_get_summary    (KsSweepDialog *self);
/* Emits "submit" and closes when valid; returns whether it did. */
gboolean     ks_sweep_dialog_submit         (KsSweepDialog *self);

G_END_DECLS
