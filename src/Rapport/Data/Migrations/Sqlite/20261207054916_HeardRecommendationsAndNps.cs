using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rapport.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class HeardRecommendationsAndNps : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "AskRecommendation",
                table: "SurveySettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "Recommend",
                table: "SurveyResponses",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Recommendation",
                table: "MessageAnalyses",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "RecommendationEvidence",
                table: "MessageAnalyses",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Recommendation",
                table: "Mentions",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "RecommendationEvidence",
                table: "Mentions",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateIndex(
                name: "IX_MessageAnalyses_WorkspaceId_Recommendation",
                table: "MessageAnalyses",
                columns: new[] { "WorkspaceId", "Recommendation" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_MessageAnalyses_WorkspaceId_Recommendation",
                table: "MessageAnalyses");

            migrationBuilder.DropColumn(
                name: "AskRecommendation",
                table: "SurveySettings");

            migrationBuilder.DropColumn(
                name: "Recommend",
                table: "SurveyResponses");

            migrationBuilder.DropColumn(
                name: "Recommendation",
                table: "MessageAnalyses");

            migrationBuilder.DropColumn(
                name: "RecommendationEvidence",
                table: "MessageAnalyses");

            migrationBuilder.DropColumn(
                name: "Recommendation",
                table: "Mentions");

            migrationBuilder.DropColumn(
                name: "RecommendationEvidence",
                table: "Mentions");
        }
    }
}
