#pragma once
// A TCP connection to a local server that sends exactly the bytes a test writes (half a header,
// a byte at a time, a malformed line) and reads what comes back with a deadline: what an HTTP
// client library would never send.

#include <string>

namespace arbiter::test {

class RawConnection {
public:
    // Connects to 127.0.0.1:port; throws std::runtime_error when it cannot.
    explicit RawConnection(int port);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // False once the peer has closed or reset the connection.
    bool send(const std::string& bytes);
    // What arrives within `seconds`, until the peer closes or `until` has been read.
    std::string receive(double seconds, const std::string& until = "");
    // Whether the server has closed this connection (waits up to `seconds` for it).
    bool closed_by_peer(double seconds);

private:
    int fd_ = -1;
};

// The status of the first HTTP response in `reply` ("HTTP/1.1 413 ..."), 0 when there is none.
int status_of(const std::string& reply);

}  // namespace arbiter::test
