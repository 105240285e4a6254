#define _GNU_SOURCE
#include "cmediaio.h"
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <errno.h>
#include <time.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int mq_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int mq_epoll_add(int epoll, int fd, uint64_t tag) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = EPOLLIN;
    event.data.u64 = tag;
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

int mq_epoll_wait(int epoll, uint64_t *tags, int max, int timeout_ms) {
    struct epoll_event events[128];
    if (max > 128) max = 128;
    int count = epoll_wait(epoll, events, max, timeout_ms);
    for (int i = 0; i < count; i++) tags[i] = events[i].data.u64;
    return count;
}

int mq_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int mq_enable_timestamps(int fd) {
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
}

int mq_recv_batch(int fd, uint8_t *buffers, int slot_size, int slots, int *lengths, int64_t *arrivals,
                  uint32_t *source_addresses, uint16_t *source_ports) {
    enum { MAX = 64 };
    struct mmsghdr headers[MAX];
    struct iovec iovecs[MAX];
    struct sockaddr_in names[MAX];
    char controls[MAX][CMSG_SPACE(sizeof(struct timespec)) + 64];
    if (slots > MAX) slots = MAX;
    memset(headers, 0, sizeof(headers[0]) * slots);
    for (int i = 0; i < slots; i++) {
        iovecs[i].iov_base = buffers + (size_t)i * slot_size;
        iovecs[i].iov_len = slot_size;
        headers[i].msg_hdr.msg_iov = &iovecs[i];
        headers[i].msg_hdr.msg_iovlen = 1;
        headers[i].msg_hdr.msg_name = &names[i];
        headers[i].msg_hdr.msg_namelen = sizeof names[i];
        headers[i].msg_hdr.msg_control = controls[i];
        headers[i].msg_hdr.msg_controllen = sizeof controls[i];
    }
    int count = recvmmsg(fd, headers, slots, MSG_DONTWAIT, NULL);
    for (int i = 0; i < count; i++) {
        lengths[i] = (int)headers[i].msg_len;
        arrivals[i] = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&headers[i].msg_hdr); c; c = CMSG_NXTHDR(&headers[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec stamp;
                memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
                arrivals[i] = (int64_t)stamp.tv_sec * 1000000000 + stamp.tv_nsec;
            }
        }
        source_addresses[i] = names[i].sin_addr.s_addr;
        source_ports[i] = names[i].sin_port;
    }
    return count;
}

int mq_send_batch(int fd, const uint8_t *data, const int *offsets, const int *lengths,
                  const uint8_t *addresses, int address_stride, const int *address_lengths, int count) {
    enum { MAX = 256 };
    struct mmsghdr headers[MAX];
    struct iovec iovecs[MAX];
    int sent = 0;
    while (sent < count) {
        int batch = count - sent < MAX ? count - sent : MAX;
        memset(headers, 0, sizeof(headers[0]) * batch);
        for (int i = 0; i < batch; i++) {
            int k = sent + i;
            iovecs[i].iov_base = (void *)(data + offsets[k]);
            iovecs[i].iov_len = lengths[k];
            headers[i].msg_hdr.msg_iov = &iovecs[i];
            headers[i].msg_hdr.msg_iovlen = 1;
            headers[i].msg_hdr.msg_name = (void *)(addresses + (size_t)k * address_stride);
            headers[i].msg_hdr.msg_namelen = address_lengths[k];
        }
        int n = sendmmsg(fd, headers, batch, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sent == 0 ? -1 : sent;
        }
        sent += n;
        if (n < batch) {
            /* the kernel stopped early: the buffer is full, or datagram `sent` failed */
            int again = sendmmsg(fd, headers + n, 1, MSG_DONTWAIT);
            if (again == 1) { sent += 1; continue; }
            return sent;
        }
    }
    return sent;
}

struct mq_fanout {
    _Atomic uint64_t claim;      /* generation << 32 | next chunk */
    _Atomic uint32_t total;      /* chunks in the published generation */
    _Atomic uint32_t done;       /* chunks of it finished */
    _Atomic uint32_t generation; /* the newest published (futex word for helpers) */
    _Atomic uint32_t stopped;
};

static void futex_wait(_Atomic uint32_t *word, uint32_t expected) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word, int count) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

mq_fanout *mq_fanout_create(void) {
    mq_fanout *fanout = calloc(1, sizeof(mq_fanout));
    return fanout;
}

void mq_fanout_destroy(mq_fanout *fanout) { free(fanout); }

uint32_t mq_fanout_publish(mq_fanout *fanout, uint32_t total) {
    uint32_t generation = atomic_load(&fanout->generation) + 1;
    if (generation == 0) generation = 1; /* 0 means "stopped" to helpers */
    atomic_store(&fanout->total, total);
    atomic_store(&fanout->done, 0);
    atomic_store(&fanout->claim, (uint64_t)generation << 32);
    atomic_store(&fanout->generation, generation);
    futex_wake(&fanout->generation, INT_MAX);
    return generation;
}

int64_t mq_fanout_claim(mq_fanout *fanout, uint32_t generation) {
    uint64_t value = atomic_load(&fanout->claim);
    for (;;) {
        if ((uint32_t)(value >> 32) != generation) return -1;
        uint32_t next = (uint32_t)value;
        if (next >= atomic_load(&fanout->total)) return -1;
        /* fails (and reloads) when another thread claimed first or a new generation began */
        if (atomic_compare_exchange_weak(&fanout->claim, &value, value + 1)) return next;
    }
}

void mq_fanout_finish(mq_fanout *fanout) {
    uint32_t finished = atomic_fetch_add(&fanout->done, 1) + 1;
    if (finished == atomic_load(&fanout->total)) futex_wake(&fanout->done, 1);
}

void mq_fanout_wait(mq_fanout *fanout) {
    uint32_t total = atomic_load(&fanout->total);
    for (;;) {
        uint32_t done = atomic_load(&fanout->done);
        if (done >= total) return;
        futex_wait(&fanout->done, done);
    }
}

uint32_t mq_fanout_next(mq_fanout *fanout, uint32_t seen) {
    for (;;) {
        if (atomic_load(&fanout->stopped)) return 0;
        uint32_t generation = atomic_load(&fanout->generation);
        if (generation != seen) return generation;
        futex_wait(&fanout->generation, seen);
    }
}

void mq_fanout_stop(mq_fanout *fanout) {
    atomic_store(&fanout->stopped, 1);
    /* a helper between its check of `stopped` and its sleep sees the word change */
    atomic_fetch_add(&fanout->generation, 1);
    futex_wake(&fanout->generation, INT_MAX);
}
