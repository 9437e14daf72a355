using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rapport.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Commitments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Commitments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TitleFr = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    TitleEn = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    TextFr = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    TextEn = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    Theme = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Words = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    Baseline = table.Column<double>(type: "REAL", nullable: true),
                    Target = table.Column<double>(type: "REAL", nullable: true),
                    Unit = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    StartedOn = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Deadline = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    Owner = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    IsPublished = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedByUserId = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Commitments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Commitments_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TransparencySettings",
                columns: table => new
                {
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PublicPage = table.Column<bool>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TransparencySettings", x => x.WorkspaceId);
                    table.ForeignKey(
                        name: "FK_TransparencySettings_Workspaces_WorkspaceId",
                        column: x => x.WorkspaceId,
                        principalTable: "Workspaces",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "CommitmentUpdates",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CommitmentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    On = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Value = table.Column<double>(type: "REAL", nullable: true),
                    TextFr = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    TextEn = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    EvidenceUrl = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedByUserId = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CommitmentUpdates", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CommitmentUpdates_Commitments_CommitmentId",
                        column: x => x.CommitmentId,
                        principalTable: "Commitments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Commitments_WorkspaceId_IsPublished",
                table: "Commitments",
                columns: new[] { "WorkspaceId", "IsPublished" });

            migrationBuilder.CreateIndex(
                name: "IX_CommitmentUpdates_CommitmentId_On",
                table: "CommitmentUpdates",
                columns: new[] { "CommitmentId", "On" });

            migrationBuilder.CreateIndex(
                name: "IX_CommitmentUpdates_WorkspaceId_CreatedAt",
                table: "CommitmentUpdates",
                columns: new[] { "WorkspaceId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CommitmentUpdates");

            migrationBuilder.DropTable(
                name: "TransparencySettings");

            migrationBuilder.DropTable(
                name: "Commitments");
        }
    }
}
