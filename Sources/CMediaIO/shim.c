#define _GNU_SOURCE
#include "cmediaio.h"
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <errno.h>
#include <time.h>

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
