// HBM + DMA behaviour on each shipped fragment: streaming efficiency, random reads, exact
// unloaded latency, refresh cost, Little's law, conservation and determinism.
#include <gtest/gtest.h>

#include <cstdio>
#include <queue>
#include <random>

#include "memory_rig.h"

using namespace decodesim;
using namespace decodesim::memory;
using namespace decodesim::memory::test;

namespace {

constexpr Bytes kStreamBytes = Bytes{256} << 20;  // ~300 us simulated: ~80 refresh intervals

class PerFragment : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(PerFragment, PeakIsComputedFromGeometry) {
  const HbmConfig c = HbmConfig::from(load_fragment(GetParam()));
  const double expected = GetParam() == "hbm2" ? 4 * 8 * 16 * 2.4e9 : GetParam() == "hbm2e" ? 2 * 8 * 16 * 3.2e9
                                                                                              : 5 * 16 * 8 * 5.23e9;
  EXPECT_DOUBLE_EQ(c.peak_bytes_per_s(), expected);
}

TEST_P(PerFragment, SequentialStreamingReachesNinetyToNinetyFivePercentOfPeak) {
  auto rig = make_rig("rig", GetParam());
  double frac = 0;
  run([&] { frac = rig->stream_fraction(kStreamBytes); });
  std::printf("%s streaming: %.2f %% of peak, row-miss rate %.3f\n", GetParam().c_str(), 100 * frac,
              rig->hbm.row_miss_rate());
  EXPECT_GE(frac, 0.90);
  EXPECT_LE(frac, 0.95);
}

TEST_P(PerFragment, RandomSixtyFourByteReadsReachFarLessWithHighRowMissRate) {
  // Deep concurrency and no issue overhead, so the DRAM (ACTs, bank conflicts, queue) is the limit.
  auto rig = make_rig("rig", GetParam(), {"dma.chunk_bytes=64", "dma.max_outstanding=1024", "dma.issue_interval_ns=0"});
  Picos done = 0;
  const std::size_t n = 1 << 18;
  run([&] {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<Bytes> pick(0, rig->hcfg.capacity_bytes() / 64 - 1);
    std::vector<DmaDescriptor> d(n);
    for (auto& x : d) x = {pick(rng) * 64, 64, false};
    done = rig->dma.transfer(d, 0);
  });
  const double frac = double(n * 64) / picos_to_seconds(done) / rig->hcfg.peak_bytes_per_s();
  const double miss = rig->hbm.stats().get("row_miss_rate");
  std::printf("%s random 64 B: %.2f %% of peak, row-miss rate %.4f\n", GetParam().c_str(), 100 * frac, miss);
  EXPECT_LT(frac, 0.50);
  EXPECT_GT(miss, 0.9);
}

TEST_P(PerFragment, RefreshCostsTrfcOverTrefi) {
  auto on = make_rig("on", GetParam(), {"hbm.refresh=all_bank"});
  auto off = make_rig("off", GetParam(), {"hbm.refresh=off"});
  double f_on = 0, f_off = 0;
  run([&] {
    f_on = on->stream_fraction(kStreamBytes);
    f_off = off->stream_fraction(kStreamBytes);
  });
  const HbmConfig& c = on->hcfg;
  const double loss = 1.0 - f_on / f_off;
  const double trfc_over_trefi = c.tRFC_ns / c.tREFI_ns;
  // Beyond tRFC itself, each refresh exposes one precharge-all before it and one ACT after it.
  const double with_pre_act = (c.tRFC_ns + c.tRP_ns + c.tRCD_ns) / c.tREFI_ns;
  std::printf("%s refresh: on %.4f off %.4f loss %.4f, tRFC/tREFI %.4f, (tRFC+tRP+tRCD)/tREFI %.4f\n",
              GetParam().c_str(), f_on, f_off, loss, trfc_over_trefi, with_pre_act);
  EXPECT_GE(loss, trfc_over_trefi);
  EXPECT_LE(loss, with_pre_act + 0.002);
  EXPECT_GT(on->hbm.stats().get("refreshes"), 0);
  EXPECT_EQ(off->hbm.stats().get("refreshes"), 0);
}

TEST_P(PerFragment, BandwidthFollowsLittlesLawUntilItSaturates) {
  const std::vector<unsigned> ks = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  const std::string chunk = "dma.chunk_bytes=4096";
  std::vector<std::unique_ptr<Rig>> rigs;
  for (unsigned k : ks)
    rigs.push_back(make_rig("k" + std::to_string(k), GetParam(), {chunk, "dma.max_outstanding=" + std::to_string(k)}));
  auto stream = make_rig("stream", GetParam());
  const Bytes bytes = Bytes{64} << 20;
  std::vector<double> bw;
  double stream_bw = 0;
  // One thread per rig, all from t = 0: the rigs share nothing, so each stream meets refresh at
  // the same phase, as it would alone.
  bw.resize(rigs.size());
  for (std::size_t i = 0; i < rigs.size(); ++i)
    sc_core::sc_spawn([&, i] { bw[i] = double(bytes) / rigs[i]->stream_seconds(bytes); });
  sc_core::sc_spawn([&] { stream_bw = double(bytes) / stream->stream_seconds(bytes); });
  sc_core::sc_start();
  const double latency_s = rigs[0]->dma.mean_chunk_latency_ns() * 1e-9;  // unloaded chunk latency at K = 1
  const double peak = rigs[0]->hcfg.peak_bytes_per_s();
  for (std::size_t i = 0; i < ks.size(); ++i) {
    const double little = ks[i] * 4096.0 / latency_s;
    std::printf("%s K=%4u: %7.1f GB/s (%5.1f %% of peak), K x chunk / latency = %7.1f GB/s\n", GetParam().c_str(), ks[i],
                bw[i] / 1e9, 100 * bw[i] / peak, little / 1e9);
    if (i > 0) {
      EXPECT_GE(bw[i], bw[i - 1] * 0.999) << "K=" << ks[i];
    }
    if (little < 0.3 * peak) {
      EXPECT_NEAR(bw[i] / little, 1.0, 0.10) << "K=" << ks[i];
    }
  }
  EXPECT_NEAR(bw.back() / stream_bw, 1.0, 0.03);
  EXPECT_NEAR(bw.back() / bw[bw.size() - 2], 1.0, 0.01);  // saturated: doubling K no longer helps
}

INSTANTIATE_TEST_SUITE_P(Fragments, PerFragment, ::testing::Values("hbm2", "hbm2e", "hbm3"),
                         [](const auto& info) { return info.param; });

TEST(Hbm, IsolatedReadLatencyIsTheSumOfTheConfiguredTimings) {
  // hbm2e: controller 20 ns + tRCD 14 ns + tCL 14 ns + one BL4 burst at 3.2 Gb/s (1.25 ns).
  // Without the bank hash, so that one bank stripe further on is the same bank's next row.
  auto rig = make_rig("rig", "hbm2e", {"hbm.bank_hash=none"});
  const Bytes burst = rig->hcfg.burst_bytes();
  const Bytes same_bank_next_row =
      Bytes{rig->hcfg.pseudo_channel_count()} * rig->hcfg.interleave_bytes * (rig->hcfg.banks_per_pc() * rig->hcfg.row_bytes / rig->hcfg.interleave_bytes);
  Picos closed = 0, hit = 0, conflict = 0, via_dma = 0;
  run([&] {
    closed = rig->hbm.access(0, burst, false, 0);
    hit = rig->hbm.access(burst, burst, false, 1'000'000) - 1'000'000;
    conflict = rig->hbm.access(same_bank_next_row, burst, false, 2'000'000) - 2'000'000;
    via_dma = rig->dma.transfer(64 * burst, burst, false, 3'000'000) - 3'000'000;  // another bank, closed
  });
  EXPECT_EQ(closed, 20'000u + 14'000u + 14'000u + 1'250u);
  EXPECT_EQ(hit, 20'000u + 14'000u + 1'250u);                       // no ACT
  EXPECT_EQ(conflict, 20'000u + 14'000u + 14'000u + 14'000u + 1'250u);  // + tRP
  EXPECT_EQ(via_dma, closed);  // the DMA and TLM path add nothing when return_latency is 0
  EXPECT_EQ(rig->hbm.stats().get("row_conflicts"), 1);
}

TEST(Hbm, BytesAreConservedAndRunsAreDeterministic) {
  auto a = make_rig("a", "hbm3");
  auto b = make_rig("b", "hbm3");
  std::vector<Picos> ta, tb;
  Bytes requested_read = 0, requested_write = 0;
  auto workload = [&](Rig& r, std::vector<Picos>& out, bool count) {
    std::mt19937_64 rng(11);
    const Picos t0 = 0;
    Picos t = 0;
    for (int i = 0; i < 2000; ++i) {
      const Bytes addr = rng() % (Bytes{1} << 32), len = 1 + rng() % 300000;
      const bool write = rng() % 3 == 0;
      if (count) (write ? requested_write : requested_read) += len;
      out.push_back(r.dma.transfer(addr, len, write, t0 + t) - t0);
      t += rng() % 50000;
    }
  };
  // Two threads at once from t = 0: the rigs share nothing, so each must see the same times.
  sc_core::sc_spawn([&] { workload(*a, ta, true); });
  sc_core::sc_spawn([&] { workload(*b, tb, false); });
  sc_core::sc_start();
  EXPECT_EQ(ta, tb);
  EXPECT_EQ(a->hbm.bytes_read(), requested_read);
  EXPECT_EQ(a->hbm.bytes_written(), requested_write);
  EXPECT_EQ(a->dma.bytes_moved(), requested_read + requested_write);
  EXPECT_EQ(a->hbm.stats().get("bytes_read"), double(requested_read));
}

TEST(Hbm, OutOfOrderArrivalsAreServedNoEarlierThanPossible) {
  // Two initiators with temporal decoupling may call in an order that is not arrival order.
  auto rig = make_rig("rig", "hbm2e", {"hbm.refresh=off"});
  const Picos unloaded = 20'000 + 14'000 + 14'000 + 1'250;
  Picos late_first = 0, early_second = 0;
  run([&] {
    late_first = rig->hbm.access(0, 32, false, 5'000'000);
    early_second = rig->hbm.access(1 << 20, 32, false, 1'000'000);  // same bank, other row; arrived earlier, called later
  });
  EXPECT_EQ(late_first, 5'000'000 + unloaded);
  EXPECT_GE(early_second, 1'000'000 + unloaded);
}

TEST(Hbm, TlmErrorsForAddressesPastCapacity) {
  auto rig = make_rig("rig", "hbm2e");
  bool threw = false;
  run([&] {
    try {
      rig->dma.transfer(rig->hcfg.capacity_bytes() - 64, 128, false, 0);
    } catch (const std::runtime_error& e) {
      threw = std::string(e.what()).find("ADDRESS_ERROR") != std::string::npos;
    }
  });
  EXPECT_TRUE(threw);
  EXPECT_THROW(rig->hbm.access(rig->hcfg.capacity_bytes(), 1, false, 0), std::out_of_range);
}

TEST(Hbm, ClosedPagePolicyNeverHitsAndCostsStreamingBandwidthOnlyModestly) {
  auto open = make_rig("open", "hbm2e", {"hbm.refresh=off"});
  auto closed = make_rig("closed", "hbm2e", {"hbm.refresh=off", "hbm.page_policy=closed"});
  double fo = 0, fc = 0;
  run([&] {
    fo = open->stream_fraction(Bytes{32} << 20);
    fc = closed->stream_fraction(Bytes{32} << 20);
  });
  EXPECT_EQ(closed->hbm.stats().get("row_hits"), 0);
  EXPECT_LE(fc, fo);
  EXPECT_GT(fc, 0.8);
}

namespace {

/// `streams` readers, `stride` bytes apart, each keeping `window` 4 KB reads in flight (the next
/// one issued as one completes, 300 ns of round trip outside the HBM): the pattern of a GEMV
/// whose CTAs each stream their own slice of a weight matrix. Returns the fraction of peak.
double strided_streams(Rig& rig, int streams, Bytes stride, int window, Bytes per_stream) {
  using Ev = std::pair<Picos, int>;
  std::priority_queue<Ev, std::vector<Ev>, std::greater<Ev>> ready;
  std::vector<Bytes> off(streams, 0);
  for (int s = 0; s < streams; ++s)
    for (int w = 0; w < window; ++w) ready.push({0, s});
  Bytes total = 0;
  Picos last = 0;
  while (!ready.empty()) {
    const auto [t, s] = ready.top();
    ready.pop();
    if (off[s] >= per_stream) continue;
    const Picos done = rig.hbm.access(static_cast<Bytes>(s) * stride + off[s], 4096, false, t);
    off[s] += 4096;
    total += 4096;
    last = std::max(last, done);
    ready.push({done + 300'000, s});
  }
  return static_cast<double>(total) / picos_to_seconds(last) / rig.hcfg.peak_bytes_per_s();
}

}  // namespace

TEST(Hbm, BankHashSpreadsStreamsThatAreABankStripeApart) {
  // hbm2e fragment: 32 PCs × 256 B interleave, 1 KB per (bank, row) on a PC, 16 banks, so
  // addresses 512 KB apart share a bank and differ in row. 64 such streams in step make every
  // run a row conflict on the same few banks unless the bank index is hashed with the row.
  auto plain = make_rig("plain", "hbm2e", {"hbm.refresh=off", "hbm.bank_hash=none"});
  auto hashed = make_rig("hashed", "hbm2e", {"hbm.refresh=off", "hbm.bank_hash=xor"});
  auto seq_plain = make_rig("seq_plain", "hbm2e", {"hbm.refresh=off", "hbm.bank_hash=none"});
  auto seq_hashed = make_rig("seq_hashed", "hbm2e", {"hbm.refresh=off", "hbm.bank_hash=xor"});
  double fp = 0, fh = 0, sp = 0, sh = 0;
  run([&] {
    fp = strided_streams(*plain, 64, Bytes{512} << 10, 2, Bytes{256} << 10);
    fh = strided_streams(*hashed, 64, Bytes{512} << 10, 2, Bytes{256} << 10);
    sp = seq_plain->stream_fraction(Bytes{32} << 20);
    sh = seq_hashed->stream_fraction(Bytes{32} << 20);
  });
  std::printf("64 streams 512 KB apart: %.1f %% of peak plain, %.1f %% hashed; sequential %.1f / %.1f %%\n", 100 * fp,
              100 * fh, 100 * sp, 100 * sh);
  EXPECT_LT(fp, 0.6);
  EXPECT_GT(fh, 0.85);
  // Sequential streaming is a permutation of the same rows: the hash leaves it where it was.
  EXPECT_NEAR(sh, sp, 0.02);
}

TEST(Hbm, BankHashWithOneBankPerPseudoChannelIsThePlainMapping) {
  // A one-bank device has nothing to permute: the xor hash must reduce to the plain field (and
  // terminate: its fold is zero bits wide there). Refresh off: the second rig runs later, at
  // another refresh phase.
  auto hashed = make_rig("one_x", "hbm2e", {"hbm.bank_groups=1", "hbm.banks_per_group=1", "hbm.refresh=off", "hbm.bank_hash=xor"});
  auto plain = make_rig("one_p", "hbm2e", {"hbm.bank_groups=1", "hbm.banks_per_group=1", "hbm.refresh=off", "hbm.bank_hash=none"});
  double fh = 0, fp = 0;
  run([&] {
    fh = hashed->stream_fraction(Bytes{4} << 20);
    fp = plain->stream_fraction(Bytes{4} << 20);
  });
  EXPECT_EQ(fh, fp);
  EXPECT_GT(fh, 0.0);
}
