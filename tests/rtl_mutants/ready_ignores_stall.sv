// MUTANT ready_ignores_stall (tests/rtl_mutants/README.md): act_ready_o stays high while the
// result port stalls the array, so an activation beat is acknowledged and then lost.
// Weight-stationary systolic array: int8 weights x int8 activations -> int32 sums.
//
// A tile is W[k x n] (k <= Rows, n <= Cols). Its k weight rows are loaded into one weight
// bank, then m activation vectors stream through; each produces one result vector of Cols
// int32 sums (columns >= n and activation lanes >= k are the caller's padding).
//
// Dataflow: activation lane r enters row r after an r-cycle skew and moves east one PE per
// cycle; partial sums move south one PE per cycle; column c's sum is then delayed
// Cols-1-c cycles so a whole result vector leaves in one beat. See README.md for the
// handshake contract and the exact cycle behaviour.
//
// Backpressure: the result port has no skid buffer. While res_valid_o is high and
// res_ready_i low the whole array holds (one clock enable), so each such cycle delays every
// later event by exactly one cycle.
module systolic_array #(
  parameter int unsigned Rows          = 16,
  parameter int unsigned Cols          = 16,
  parameter int unsigned WeightBuffers = 2
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,

  // weight load in: wload_valid_i / wload_ready_o / wload_data_i / wload_last_i
  // One beat is one weight row (Cols x int8, column 0 in bits [7:0]); beats fill rows
  // 0, 1, ... of the load bank, and wload_last_i marks the tile's last row.
  input  logic                 wload_valid_i,
  output logic                 wload_ready_o,
  input  logic [Cols*8-1:0]    wload_data_i,
  input  logic                 wload_last_i,

  // activation in: act_valid_i / act_ready_o / act_data_i / act_last_i
  // One beat is one activation vector (Rows x int8, lane 0 in bits [7:0]); act_last_i marks
  // the tile's last vector and releases its weight bank.
  input  logic                 act_valid_i,
  output logic                 act_ready_o,
  input  logic [Rows*8-1:0]    act_data_i,
  input  logic                 act_last_i,

  // result out: res_valid_o / res_ready_i / res_data_o / res_last_o
  // One beat is one result vector (Cols x int32, column 0 in bits [31:0]).
  output logic                 res_valid_o,
  input  logic                 res_ready_i,
  output logic [Cols*32-1:0]   res_data_o,
  output logic                 res_last_o
);

  // Parameter checks. Cols >= 2 because a bank's reuse delay is Cols-1 cycles (see below).
  if (Rows < 1 || Rows > 256) begin : gen_rows_check
    $error("systolic_array: Rows must be in [1, 256]");
  end
  if (Cols < 2 || Cols > 256) begin : gen_cols_check
    $error("systolic_array: Cols must be in [2, 256]");
  end
  if (WeightBuffers != 1 && WeightBuffers != 2) begin : gen_wb_check
    $error("systolic_array: WeightBuffers must be 1 or 2");
  end

  localparam int unsigned BankW    = (WeightBuffers > 1) ? $clog2(WeightBuffers) : 1;
  localparam int unsigned RowW     = (Rows > 1) ? $clog2(Rows) : 1;
  localparam int unsigned DrainW   = (Cols > 2) ? $clog2(Cols) : 1;
  // From an activation's acceptance to its result vector sitting on res_data_o.
  localparam int unsigned Latency  = Rows + Cols - 2;
  // Cycles after a tile's last activation is accepted before its bank may be rewritten:
  // that activation reads row r's weights until it leaves column Cols-1, Cols-1 cycles
  // after it entered row r, and a weight row r is written r cycles after row 0, exactly
  // like the activation reaches row r r cycles after row 0.
  localparam logic [DrainW-1:0] DrainInit = DrainW'(Cols - 2);

  // The single clock enable: hold everything while a result waits for the consumer.
  logic en;
  assign en = !(res_valid_o && !res_ready_i);

  // ---------------------------------------------------------------------------------------
  // Weight banks: each is empty -> loading -> full (activations may stream) -> draining.
  // ---------------------------------------------------------------------------------------
  logic [WeightBuffers-1:0]             bank_full_q;
  logic [WeightBuffers-1:0][DrainW-1:0] bank_drain_q;
  logic [BankW-1:0]                     load_bank_q;
  logic [BankW-1:0]                     act_bank_q;
  logic [RowW-1:0]                      load_row_q;

  logic wload_fire, act_fire, wload_done, act_done;

  assign wload_ready_o = en && !bank_full_q[load_bank_q] && (bank_drain_q[load_bank_q] == '0);
  assign act_ready_o   = bank_full_q[act_bank_q];  // MUTANT: ready ignores the stall
  assign wload_fire    = wload_valid_i && wload_ready_o;
  assign act_fire      = act_valid_i && act_ready_o;
  assign wload_done    = wload_fire && wload_last_i;
  assign act_done      = act_fire && act_last_i;

  logic [BankW-1:0] load_bank_next, act_bank_next;
  if (WeightBuffers == 1) begin : gen_one_bank_ptr
    assign load_bank_next = '0;
    assign act_bank_next  = '0;
  end else begin : gen_two_bank_ptr
    assign load_bank_next = ~load_bank_q;
    assign act_bank_next  = ~act_bank_q;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      load_bank_q <= '0;
      act_bank_q  <= '0;
      load_row_q  <= '0;
    end else begin
      if (wload_fire) begin
        load_row_q <= wload_last_i ? '0 : load_row_q + RowW'(1);
      end
      if (wload_done) begin
        load_bank_q <= load_bank_next;
      end
      if (act_done) begin
        act_bank_q <= act_bank_next;
      end
    end
  end

  for (genvar b = 0; b < WeightBuffers; b++) begin : gen_bank_state
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        bank_full_q[b]  <= 1'b0;
        bank_drain_q[b] <= '0;
      end else if (en) begin
        if (wload_done && load_bank_q == BankW'(b)) begin
          bank_full_q[b] <= 1'b1;
        end else if (act_done && act_bank_q == BankW'(b)) begin
          bank_full_q[b] <= 1'b0;
        end
        if (act_done && act_bank_q == BankW'(b)) begin
          bank_drain_q[b] <= DrainInit;
        end else if (bank_drain_q[b] != '0) begin
          bank_drain_q[b] <= bank_drain_q[b] - DrainW'(1);
        end
      end
    end
  end

  // ---------------------------------------------------------------------------------------
  // PE grid. Row r's activation lane is skewed by r cycles; bubbles enter as zeros.
  // ---------------------------------------------------------------------------------------
  logic [Rows-1:0][Cols:0][7:0]       act_h;       // [r][c]: into PE(r,c); [r][Cols] unused
  logic [Rows-1:0][Cols:0][BankW-1:0] act_bank_h;
  logic [Rows:0][Cols-1:0][31:0]      psum_v;      // [r][c]: into PE(r,c); [Rows]: bottom

  logic [Rows*8-1:0] act_in;
  assign act_in = act_fire ? act_data_i : '0;

  for (genvar r = 0; r < Rows; r++) begin : gen_row
    systolic_delay #(
      .Width(8 + BankW),
      .Depth(r)
    ) u_act_skew (
      .clk_i,
      .rst_ni,
      .en_i  (en),
      .in_i  ({act_bank_q, act_in[r*8 +: 8]}),
      .out_o ({act_bank_h[r][0], act_h[r][0]})
    );

    logic row_we;
    assign row_we = wload_fire && (load_row_q == RowW'(r));

    for (genvar c = 0; c < Cols; c++) begin : gen_col
      systolic_pe #(
        .WeightBuffers(WeightBuffers)
      ) u_pe (
        .clk_i,
        .rst_ni,
        .en_i       (en),
        .w_we_i     (row_we),
        .w_bank_i   (load_bank_q),
        .w_data_i   (wload_data_i[c*8 +: 8]),
        .act_i      (act_h[r][c]),
        .act_bank_i (act_bank_h[r][c]),
        .act_o      (act_h[r][c+1]),
        .act_bank_o (act_bank_h[r][c+1]),
        .psum_i     (psum_v[r][c]),
        .psum_o     (psum_v[r+1][c])
      );
    end

    // The east edge's outputs leave the array.
    logic unused_east;
    assign unused_east = ^{act_h[r][Cols], act_bank_h[r][Cols]};
  end

  for (genvar c = 0; c < Cols; c++) begin : gen_top
    assign psum_v[0][c] = '0;
  end

  // ---------------------------------------------------------------------------------------
  // De-skew: column c is Cols-1-c cycles ahead of the last column.
  // ---------------------------------------------------------------------------------------
  for (genvar c = 0; c < Cols; c++) begin : gen_deskew
    systolic_delay #(
      .Width(32),
      .Depth(Cols - 1 - c)
    ) u_deskew (
      .clk_i,
      .rst_ni,
      .en_i  (en),
      .in_i  (psum_v[Rows][c]),
      .out_o (res_data_o[c*32 +: 32])
    );
  end

  // Which result slots hold a real vector (and a tile's last one), Latency+1 stages deep so
  // the flag lands with the data.
  systolic_delay #(
    .Width(2),
    .Depth(Latency + 1)
  ) u_res_flags (
    .clk_i,
    .rst_ni,
    .en_i  (en),
    .in_i  ({act_done, act_fire}),
    .out_o ({res_last_o, res_valid_o})
  );

endmodule
