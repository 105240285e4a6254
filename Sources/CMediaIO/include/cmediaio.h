#ifndef CMEDIAIO_H
#define CMEDIAIO_H
#include <stdint.h>

/* Linux calls that Swift's Glibc module does not import (they sit behind _GNU_SOURCE): sendmmsg
   for the SFU's fan-out, and for the load generator epoll, eventfd and recvmmsg with
   kernel receive stamps. Only plain integers and pointers cross this boundary, so no system
   struct is imported twice. */

int mq_epoll_create(void);
int mq_epoll_add(int epoll, int fd, uint64_t tag);
/* Waits up to timeout_ms; writes the tags of ready descriptors; returns their count or -1. */
int mq_epoll_wait(int epoll, uint64_t *tags, int max, int timeout_ms);
int mq_eventfd(void);
/* SO_TIMESTAMPNS on a socket. */
int mq_enable_timestamps(int fd);
/* Up to `slots` datagrams into buffers[i * slot_size]; for each: its length, its kernel arrival
   time (CLOCK_REALTIME ns, 0 when missing), its source IPv4 address and port (network order).
   Returns the count (0 when nothing is waiting) or -1. */
int mq_recv_batch(int fd, uint8_t *buffers, int slot_size, int slots, int *lengths, int64_t *arrivals,
                  uint32_t *source_addresses, uint16_t *source_ports);

/* Sends `count` datagrams with sendmmsg: datagram i is lengths[i] bytes at data + offsets[i], to
   the socket address of address_lengths[i] bytes at addresses + i * address_stride. Retries after
   EINTR; returns how many were sent (fewer when the socket buffer is full: errno is EAGAIN), or
   -1 when the first could not be sent. */
int mq_send_batch(int fd, const uint8_t *data, const int *offsets, const int *lengths,
                  const uint8_t *addresses, int address_stride, const int *address_lengths, int count);

/* A fan-out shared by threads: the owner (the media loop) publishes a generation of `total`
   chunks; it and helper threads claim chunks until none is left; the owner waits until every
   chunk has finished before it goes on, so a viewer's next copy never overtakes its last.
   Lock-free claiming (one 64-bit word: generation << 32 | next chunk), futex waits. */
typedef struct mq_fanout mq_fanout;
mq_fanout *mq_fanout_create(void);
void mq_fanout_destroy(mq_fanout *fanout);
/* Owner: a new generation of `total` chunks (the previous one must have finished); returns it. */
uint32_t mq_fanout_publish(mq_fanout *fanout, uint32_t total);
/* Claims the next chunk of generation `generation`: its index, or -1 when none is left (or the
   generation is over). */
int64_t mq_fanout_claim(mq_fanout *fanout, uint32_t generation);
/* A claimed chunk is finished (its copies sent); the last one wakes the owner. */
void mq_fanout_finish(mq_fanout *fanout);
/* Owner: returns once every chunk of the published generation has finished. */
void mq_fanout_wait(mq_fanout *fanout);
/* Helper: sleeps until a generation newer than `seen` is published; returns it, or 0 once stopped. */
uint32_t mq_fanout_next(mq_fanout *fanout, uint32_t seen);
/* Wakes every helper for good (mq_fanout_next returns 0). */
void mq_fanout_stop(mq_fanout *fanout);

#endif
