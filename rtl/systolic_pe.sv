// One processing element of the weight-stationary array.
//
// Holds WeightBuffers int8 weights (one per bank). Each activation travels east together
// with the bank it belongs to, so a PE always multiplies by the weight of the activation's
// own tile: banks switch per activation wavefront, never by a global swap signal.
// The partial sum travels south. Everything is registered, so one hop costs one cycle.
module systolic_pe #(
  parameter int unsigned WeightBuffers = 2,
  localparam int unsigned BankW = (WeightBuffers > 1) ? $clog2(WeightBuffers) : 1
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              en_i,
  // weight write: w_we_i / w_bank_i / w_data_i
  input  logic              w_we_i,
  input  logic [BankW-1:0]  w_bank_i,
  input  logic [7:0]        w_data_i,
  // activation from the west, forwarded east: act_i, act_bank_i -> act_o, act_bank_o
  input  logic [7:0]        act_i,
  input  logic [BankW-1:0]  act_bank_i,
  output logic [7:0]        act_o,
  output logic [BankW-1:0]  act_bank_o,
  // partial sum from the north, forwarded south
  input  logic [31:0]       psum_i,
  output logic [31:0]       psum_o
);

  // The weight select and the multiply are written for simulation speed as well as for
  // synthesis: a 2:1 mux on the two banks' halves of one packed register, and a 32-bit signed
  // product of the sign-extended operands (equal to the 16-bit product sign-extended, since
  // |act x weight| <= 2^14). Verilated, this ran 1.2-1.3x faster at 16x16 and 1.6x at 64x64
  // than a select by a variable index and a 16-bit product widened afterwards (and 1.6x faster
  // at 64x64 than one register per bank): tlm_models/matmul/README.md, "Speed".
  logic [7:0] weight_sel;

  if (WeightBuffers == 1) begin : gen_single_bank
    logic [7:0] weight_q;
    assign weight_sel = weight_q;

    // One bank needs no bank index.
    logic unused_bank;
    assign unused_bank = ^{w_bank_i, act_bank_i};

    always_ff @(posedge clk_i) begin
      if (en_i && w_we_i) begin
        weight_q <= w_data_i;
      end
    end
  end else begin : gen_two_banks
    logic [1:0][7:0] weight_q;
    assign weight_sel = act_bank_i[0] ? weight_q[1] : weight_q[0];

    always_ff @(posedge clk_i) begin
      if (en_i && w_we_i) begin
        weight_q[w_bank_i] <= w_data_i;
      end
    end
  end

  logic signed [31:0] product;
  assign product = 32'($signed(act_i)) * 32'($signed(weight_sel));

  logic [7:0]       act_q;
  logic [BankW-1:0] act_bank_q;
  logic [31:0]      psum_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      act_q      <= '0;
      act_bank_q <= '0;
      psum_q     <= '0;
    end else if (en_i) begin
      act_q      <= act_i;
      act_bank_q <= act_bank_i;
      psum_q     <= psum_i + product;
    end
  end

  assign act_o      = act_q;
  assign act_bank_o = act_bank_q;
  assign psum_o     = psum_q;

endmodule
