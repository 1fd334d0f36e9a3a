//! What the kernel knows about a TCP connection (`getsockopt(TCP_INFO)`).

use std::os::fd::RawFd;

/// The fields netkit uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpInfo {
    /// Segments retransmitted over the connection's life.
    pub total_retrans: u32,
    /// Sender MSS (payload bytes per segment, TCP options excluded).
    pub snd_mss: u32,
    /// Path MTU.
    pub pmtu: u32,
    /// TCP timestamps are on (12 bytes of options in every segment).
    pub timestamps: bool,
}

impl TcpInfo {
    /// Payload bytes of a full segment on this path: the path MTU minus the IP
    /// header (20 or 40 bytes), the TCP header (20) and the timestamp option (12).
    /// More dependable than `snd_mss` on a socket that has not sent much yet.
    pub fn full_segment(&self, v6: bool) -> u32 {
        let overhead = if v6 { 40 } else { 20 } + 20 + if self.timestamps { 12 } else { 0 };
        self.pmtu.saturating_sub(overhead)
    }
}

/// `TCP_INFO` of a socket; `None` where the kernel does not tell.
pub fn tcp_info(fd: RawFd) -> Option<TcpInfo> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `info` is a plain C struct that getsockopt fills up to `len`
        // bytes; `len` tells the kernel its size. A bad fd only yields an error.
        let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_INFO,
                (&mut info as *mut libc::tcp_info).cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return None;
        }
        Some(TcpInfo {
            total_retrans: info.tcpi_total_retrans,
            snd_mss: info.tcpi_snd_mss,
            pmtu: info.tcpi_pmtu,
            // TCPI_OPT_TIMESTAMPS = 1 (linux/tcp.h).
            timestamps: info.tcpi_options & 1 != 0,
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = fd;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn loopback_connection_has_info() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let info = tcp_info(c.as_raw_fd()).unwrap();
        assert!(info.snd_mss > 0);
        assert!(info.pmtu >= info.snd_mss);
        assert!(tcp_info(-1).is_none());
    }
}
