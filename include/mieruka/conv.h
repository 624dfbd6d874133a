/* conv.h - the conversation graph: one record per (client, server, transport,
 * server port, protocol), folding every flow between them. */
#ifndef MIERUKA_CONV_H
#define MIERUKA_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "mieruka/model.h"

struct mk_flow;
struct mk_conv_table;

struct mk_conv_table *mk_conv_new(size_t max_convs);
void mk_conv_free(struct mk_conv_table *ct);
/* Folds an ended flow in.  Beyond max_convs new keys are dropped (counted). */
void mk_conv_add_flow(struct mk_conv_table *ct, const struct mk_flow *flow);
/* Seeds with a record from an earlier run. */
void mk_conv_load(struct mk_conv_table *ct, const struct mk_conv_rec *rec);
/* Copies all records out (caller frees the array); returns count or (size_t)-1. */
size_t mk_conv_snapshot(const struct mk_conv_table *ct, struct mk_conv_rec **out);
uint64_t mk_conv_dropped(const struct mk_conv_table *ct);
size_t mk_conv_count(const struct mk_conv_table *ct);

#endif /* MIERUKA_CONV_H */
